package io.meld.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GraphTest {
    @Test
    void shouldMakeTheSameRmatGraphWhateverTheThreads() {
        Graph one = Graph.rmat(10, 8, 42, 1);
        Graph three = Graph.rmat(10, 8, 42, 3);

        assertThat(one.vertices()).isEqualTo(1024);
        assertThat(one.edges()).isEqualTo(8192);
        assertThat(three.src()).isEqualTo(one.src());
        assertThat(three.dst()).isEqualTo(one.dst());
        assertThat(Graph.rmat(10, 8, 43, 1).src()).isNotEqualTo(one.src());
        assertThat(Arrays.stream(one.src()).allMatch(v -> v >= 0 && v < 1024)).isTrue();
        assertThat(Arrays.stream(one.dst()).allMatch(v -> v >= 0 && v < 1024)).isTrue();
    }

    @Test
    void shouldSkewDegreesAsRmatDoes() {
        int[] degree = Graph.rmat(12, 16, 1, 2).outDegrees();
        int max = Arrays.stream(degree).max().orElseThrow();
        long isolated = Arrays.stream(degree).filter(d -> d == 0).count();

        // The mean is 16: R-MAT's hubs have many times that, and many vertices have no out-edge.
        assertThat(max).isGreaterThan(10 * 16);
        assertThat(isolated).isGreaterThan(100);
    }

    @Test
    void shouldReadAnEdgeListWithGapsCommentsAndDuplicates(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("g.txt");
        Files.writeString(file, "# a comment\n10\t20\n20 30\n\n10\t20\n30   10\n  99 10  \n");

        Graph g = Graph.read(file);

        // ids 10, 20, 30, 99 become 0, 1, 2, 3
        assertThat(g.vertices()).isEqualTo(4);
        assertThat(g.src()).containsExactly(0, 1, 0, 2, 3);
        assertThat(g.dst()).containsExactly(1, 2, 1, 0, 0);
        assertThat(g.outDegrees()).containsExactly(2, 1, 1, 1);
    }

    @Test
    void shouldNameAMalformedLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.txt");
        Files.writeString(file, "1 2\n3 x\n");

        assertThatThrownBy(() -> Graph.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad.txt:2");
    }

    @Test
    void shouldGroupInEdgesByDestinationInEdgeOrder() {
        Graph g = new Graph(4, new int[] {0, 1, 2, 3, 0}, new int[] {2, 2, 3, 2, 3});

        Graph.InEdges in = g.inEdges(2, 4);

        assertThat(in.offsets()).containsExactly(0, 3, 5);
        assertThat(in.sources()).containsExactly(0, 1, 3, 2, 0);
        int[] split = in.split(2);
        assertThat(split[0]).isZero();
        assertThat(split[2]).isEqualTo(2);
    }
}
