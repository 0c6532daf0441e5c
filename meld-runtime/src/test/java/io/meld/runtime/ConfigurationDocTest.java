package io.meld.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConfigurationDocTest {
    @Test
    void shouldListEverySettingExactlyAsTheCodeDeclaresIt() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "configuration.md"));
        assertThat(doc)
                .as("docs/configuration.md must contain the table printed by"
                        + " `java -cp ... io.meld.runtime.SettingsCatalog` (regenerate it)")
                .contains(SettingsCatalog.markdownTable());
    }
}
