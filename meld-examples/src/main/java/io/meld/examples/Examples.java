package io.meld.examples;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Every {@link Example}, by name, in the order the help lists them. */
public final class Examples {
    private static final Map<String, Example> BY_NAME = new LinkedHashMap<>();

    static {
        for (Example e : List.<Example>of(new RandomAccess(), new Heat(), new Sort(), new PageRank(), new Bfs())) {
            BY_NAME.put(e.name(), e);
        }
    }

    private Examples() {}

    /** @return every example, in the help's order */
    public static List<Example> all() {
        return List.copyOf(BY_NAME.values());
    }

    /**
     * @param name an example's name
     * @return the example, or empty when there is none of that name
     */
    public static Optional<Example> find(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** @return the names, in the help's order */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }
}
