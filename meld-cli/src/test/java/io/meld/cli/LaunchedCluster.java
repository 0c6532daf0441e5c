package io.meld.cli;

/**
 * A local cluster of node processes that a test starts with the launcher, with the launcher's output;
 * closing it kills every node it started that is still running.
 */
final class LaunchedCluster implements AutoCloseable {
    final Capture out = new Capture();
    final Capture err = new Capture();
    final LocalLauncher launcher;

    /**
     * @param main the program, one of {@link TestPrograms}
     * @param nodes how many nodes
     * @param threads threads per node
     */
    LaunchedCluster(Class<?> main, int nodes, int threads) {
        launcher = LocalLauncher.builder(main.getName())
                .nodes(nodes)
                .threads(threads)
                .jvmOptions(TestPrograms.NODE_JVM_OPTIONS)
                .out(out)
                .err(err)
                .build();
    }

    /** @return what the launcher printed, for an assertion's description */
    String output() {
        return "stdout:\n" + out.text() + "\nstderr:\n" + err.text();
    }

    @Override
    public void close() {
        Reaper reaper = new Reaper();
        reaper.trackAll(launcher.children());
        reaper.killAll();
    }
}
