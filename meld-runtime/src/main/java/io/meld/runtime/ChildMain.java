package io.meld.runtime;

import io.meld.config.MeldConfig;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The entry point of every node process that {@code bin/meld run} starts: {@code ChildMain MAIN_CLASS
 * [ARGS...]}. It first arranges that the process never outlives its launcher (see {@link
 * RuntimeSettings#LAUNCHER_PID}), even when the launcher is killed with {@code SIGKILL} and so cannot
 * stop its children itself, then runs {@code MAIN_CLASS.main(ARGS)}. The program finds its rank, size
 * and peers in the {@code MELD_*} environment the launcher set, through {@link io.meld.Meld#join()}.
 */
public final class ChildMain {
    /** Exit status of a node stopped because its launcher is gone: 128 + SIGTERM, as if terminated. */
    static final int ORPHANED_EXIT = 143;

    private static final long WATCH_MILLIS = 200;
    private static final long EXIT_GRACE_MILLIS = 3000;

    private ChildMain() {}

    /**
     * @param args the program's main class, then its arguments
     * @throws Throwable whatever the program's main throws
     */
    public static void main(String[] args) throws Throwable {
        if (args.length == 0) {
            System.err.println("usage: ChildMain MAIN_CLASS [ARGS...]");
            System.exit(2);
        }
        long launcher = MeldConfig.load().get(RuntimeSettings.LAUNCHER_PID);
        if (launcher > 0) {
            watchLauncher(launcher);
            LauncherProgress.enable();
        }
        Method main = mainMethod(args[0]);
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static Method mainMethod(String className) {
        Class<?> type;
        try {
            type = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException e) {
            System.err.println("[meld] main class " + className + " is not on the class path ("
                    + System.getProperty("java.class.path") + "); pass it with --classpath");
            System.exit(2);
            throw new AssertionError();
        }
        try {
            Method main = type.getMethod("main", String[].class);
            if (!Modifier.isStatic(main.getModifiers())) {
                throw new NoSuchMethodException("main is not static");
            }
            main.setAccessible(true);
            return main;
        } catch (NoSuchMethodException e) {
            System.err.println("[meld] " + className + " has no public static void main(String[])");
            System.exit(2);
            throw new AssertionError();
        }
    }

    /**
     * Watches the launcher from a daemon thread; when it is gone, exits (running shutdown hooks), then
     * halts if that hangs.
     *
     * <p>The launcher counts as gone when its process no longer exists, when it is a zombie (killed but
     * not yet reaped by its own parent), or, if it was this process's parent at start, as soon as this
     * process has been handed to another parent (the kernel does that the moment the launcher dies). The
     * handle taken at start remembers the launcher's start time, so a recycled pid is not mistaken for it.
     */
    private static void watchLauncher(long pid) {
        Optional<ProcessHandle> launcher = ProcessHandle.of(pid);
        boolean launcherIsParent = parentPid() == pid;
        Thread watcher = new Thread(
                () -> {
                    while (!launcherGone(launcher, pid, launcherIsParent)) {
                        try {
                            Thread.sleep(WATCH_MILLIS);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    System.err.println("[meld] the launcher (pid " + pid + ") is gone; this node stops");
                    Thread halter = new Thread(() -> {
                        try {
                            Thread.sleep(EXIT_GRACE_MILLIS);
                        } catch (InterruptedException e) {
                            // exiting anyway
                        }
                        Runtime.getRuntime().halt(ORPHANED_EXIT);
                    });
                    halter.setDaemon(true);
                    halter.start();
                    System.exit(ORPHANED_EXIT);
                },
                "meld-launcher-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static boolean launcherGone(Optional<ProcessHandle> launcher, long pid, boolean launcherIsParent) {
        if (launcher.isEmpty() || !launcher.get().isAlive()) {
            return true;
        }
        if (launcherIsParent && parentPid() != pid) {
            return true;
        }
        return isZombie(pid);
    }

    private static long parentPid() {
        return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
    }

    /** Linux only: whether /proc says the process has exited but was not reaped; false where unknown. */
    private static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // "pid (command) state ...": the command may contain spaces and parentheses, the state follows the last
            // ')'.
            int end = stat.lastIndexOf(')');
            return end > 0 && end + 2 < stat.length() && stat.charAt(end + 2) == 'Z';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
