package io.meld.task;

import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The payload of a {@link io.meld.transport.FrameType#TASK} frame. Little-endian; every frame starts
 * with a kind byte and three reserved bytes.
 *
 * <pre>
 *  SPAWN   kind | finish home (int32) | finish seq (int64) | task (ObjectCodec bytes, to the end)
 *  CALL    kind | request (int64) | finish home (int32, -1: none) | finish seq (int64) | task
 *  RESULT  kind | request (int64) | status (int8: 0 value, 1 failure) | value bytes, or a failure
 *  REPORT  kind | finish seq (int64) | completed (int64) | n (int32) | n x (node int32, spawned int64)
 *               | failed (int64) | m (int32) | m x failure
 *  failure      node (int32) | class (string) | message (string or null) | k (int32)
 *               | k x (class, method, file (or null): strings; line int32)
 *  string       length (int32, -1: null) | UTF-8 bytes
 * </pre>
 *
 * SPAWN carries an {@code asyncAt} to the node that runs it; CALL an {@code at}, whose RESULT comes back
 * with the same request id. REPORT goes to a finish's home when a node has no more tasks of it
 * running: how many of them ended here since its last report, how many tasks they spawned to each
 * node, and how they failed ({@code failed} counts all, the list holds at most {@link #MAX_FAILURES}).
 */
final class TaskCodec {
    static final int SPAWN = 1;
    static final int CALL = 2;
    static final int RESULT = 3;
    static final int REPORT = 4;
    static final int OK = 0;
    static final int FAILED = 1;
    /** The most failures a report, or a finish, keeps in full; the rest are counted. */
    static final int MAX_FAILURES = 64;
    /** The most stack frames a failure keeps. */
    static final int MAX_FRAMES = 64;

    private static final byte[] NO_BYTES = {};
    /** A report of nothing: its length is the least a REPORT frame has. */
    private static final Report EMPTY_REPORT = new Report(0, new long[0], 0, List.of());

    private TaskCodec() {}

    /** Where a finish lives: its home node and a number unique there. */
    record FinishRef(int home, long seq) {
        @Override
        public String toString() {
            return "finish " + seq + "@" + home;
        }
    }

    /** What a node tells a finish's home. */
    record Report(long completed, long[] spawned, long failed, List<TaskFailure> failures) {}

    /**
     * A task's exception, as text: it crosses the wire without the allow-list's leave (an exception's
     * class and fields are the program's), so its class, message, causes and stack travel as strings.
     */
    record TaskFailure(int node, String className, String message, StackTraceElement[] stack) {
        static TaskFailure of(int node, Throwable t) {
            StringBuilder message = new StringBuilder();
            if (t.getMessage() != null) {
                message.append(t.getMessage());
            }
            int depth = 0;
            for (Throwable c = t.getCause(); c != null && c != t && depth < 8; c = c.getCause(), depth++) {
                message.append(message.isEmpty() ? "" : " ")
                        .append("(caused by ")
                        .append(c.getClass().getName());
                if (c.getMessage() != null) {
                    message.append(": ").append(c.getMessage());
                }
                message.append(')');
            }
            StackTraceElement[] stack = t.getStackTrace();
            if (stack.length > MAX_FRAMES) {
                stack = Arrays.copyOf(stack, MAX_FRAMES);
            }
            return new TaskFailure(node, t.getClass().getName(), message.isEmpty() ? null : message.toString(), stack);
        }

        /** {@code java.lang.IllegalStateException: boom}, as a stack trace prints it. */
        String describe() {
            return className + (message != null ? ": " + message : "");
        }
    }

    static void spawn(ByteBuf buf, FinishRef finish, byte[] task) {
        header(buf, SPAWN);
        buf.writeIntLE(finish.home()).writeLongLE(finish.seq()).writeBytes(task);
    }

    static int spawnLength(byte[] task) {
        return 4 + 4 + 8 + task.length;
    }

    static void call(ByteBuf buf, long request, FinishRef finish, byte[] task) {
        header(buf, CALL);
        buf.writeLongLE(request);
        buf.writeIntLE(finish != null ? finish.home() : -1).writeLongLE(finish != null ? finish.seq() : 0);
        buf.writeBytes(task);
    }

    static int callLength(byte[] task) {
        return 4 + 8 + 4 + 8 + task.length;
    }

    static ByteBuf value(ByteBuf buf, long request, byte[] value) {
        header(buf, RESULT);
        buf.writeLongLE(request).writeByte(OK).writeBytes(value);
        return buf;
    }

    static int valueLength(byte[] value) {
        return 4 + 8 + 1 + value.length;
    }

    static void failure(ByteBuf buf, long request, TaskFailure failure) {
        header(buf, RESULT);
        buf.writeLongLE(request).writeByte(FAILED);
        writeFailure(buf, failure);
    }

    static int failureLength(TaskFailure failure) {
        return 4 + 8 + 1 + failureSize(failure);
    }

    static void report(ByteBuf buf, long seq, Report report) {
        header(buf, REPORT);
        buf.writeLongLE(seq).writeLongLE(report.completed());
        int n = 0;
        for (long s : report.spawned()) {
            n += s != 0 ? 1 : 0;
        }
        buf.writeIntLE(n);
        for (int node = 0; node < report.spawned().length; node++) {
            if (report.spawned()[node] != 0) {
                buf.writeIntLE(node).writeLongLE(report.spawned()[node]);
            }
        }
        buf.writeLongLE(report.failed()).writeIntLE(report.failures().size());
        for (TaskFailure f : report.failures()) {
            writeFailure(buf, f);
        }
    }

    static int reportLength(Report report) {
        int length = 4 + 8 + 8 + 4 + 8 + 4;
        for (long s : report.spawned()) {
            length += s != 0 ? 12 : 0;
        }
        for (TaskFailure f : report.failures()) {
            length += failureSize(f);
        }
        return length;
    }

    // ---------------------------------------------------------------------------------------------
    // Reading. Each reader takes the payload after the kind (see kind()).

    /**
     * Reads the kind, and checks that the frame holds the fixed fields of that kind, which the caller
     * then reads without checks.
     */
    static int kind(ByteBuf payload) {
        if (payload.readableBytes() < 4) {
            throw new ProtocolException("task frame of " + payload.readableBytes() + " bytes");
        }
        int kind = payload.readUnsignedByte();
        payload.skipBytes(3);
        if (kind < SPAWN || kind > REPORT) {
            throw new ProtocolException("unknown task message kind " + kind);
        }
        int least = switch (kind) {
            case SPAWN -> spawnLength(NO_BYTES);
            case CALL -> callLength(NO_BYTES);
            case RESULT -> valueLength(NO_BYTES);
            default -> reportLength(EMPTY_REPORT);
        };
        need(payload, least - 4, "a task frame of kind " + kind);
        return kind;
    }

    static FinishRef readFinish(ByteBuf payload) {
        int home = payload.readIntLE();
        long seq = payload.readLongLE();
        return home < 0 ? null : new FinishRef(home, seq);
    }

    static byte[] rest(ByteBuf payload) {
        return ByteBufUtil.getBytes(payload, payload.readerIndex(), payload.readableBytes());
    }

    static Report readReport(ByteBuf payload, int size) {
        long completed = payload.readLongLE();
        int n = payload.readIntLE();
        if (n < 0 || (long) n * 12 > payload.readableBytes()) {
            throw new ProtocolException("finish report with " + n + " nodes in " + payload.readableBytes() + " bytes");
        }
        long[] spawned = new long[size];
        for (int i = 0; i < n; i++) {
            int node = payload.readIntLE();
            if (node < 0 || node >= size) {
                throw new ProtocolException("finish report names node " + node + " of " + size);
            }
            spawned[node] = payload.readLongLE();
        }
        need(payload, 8 + 4, "a finish report's failures");
        long failed = payload.readLongLE();
        int m = payload.readIntLE();
        if (m < 0 || m > MAX_FAILURES) {
            throw new ProtocolException("finish report with " + m + " failures");
        }
        List<TaskFailure> failures = new ArrayList<>(m);
        for (int i = 0; i < m; i++) {
            failures.add(readFailure(payload));
        }
        return new Report(completed, spawned, failed, failures);
    }

    static TaskFailure readFailure(ByteBuf payload) {
        need(payload, 4, "a task failure");
        int node = payload.readIntLE();
        String className = readString(payload);
        String message = readString(payload);
        need(payload, 4, "a task failure's stack");
        int k = payload.readIntLE();
        if (k < 0 || k > MAX_FRAMES) {
            throw new ProtocolException("task failure with " + k + " stack frames");
        }
        StackTraceElement[] stack = new StackTraceElement[k];
        for (int i = 0; i < k; i++) {
            String cls = readString(payload);
            String method = readString(payload);
            String file = readString(payload);
            if (cls == null || method == null) {
                throw new ProtocolException("task failure with a stack frame without a class or method name");
            }
            need(payload, 4, "a stack frame's line");
            stack[i] = new StackTraceElement(cls, method, file, payload.readIntLE());
        }
        return new TaskFailure(node, className, message, stack);
    }

    /** @throws ProtocolException when fewer than {@code bytes} are left for {@code what} */
    private static void need(ByteBuf buf, int bytes, String what) {
        if (buf.readableBytes() < bytes) {
            throw new ProtocolException(
                    "task frame cut short: " + what + " takes " + bytes + " bytes, " + buf.readableBytes() + " left");
        }
    }

    private static void header(ByteBuf buf, int kind) {
        buf.writeByte(kind).writeByte(0).writeShortLE(0);
    }

    private static void writeFailure(ByteBuf buf, TaskFailure f) {
        buf.writeIntLE(f.node());
        writeString(buf, f.className());
        writeString(buf, f.message());
        buf.writeIntLE(f.stack().length);
        for (StackTraceElement e : f.stack()) {
            writeString(buf, e.getClassName());
            writeString(buf, e.getMethodName());
            writeString(buf, e.getFileName());
            buf.writeIntLE(e.getLineNumber());
        }
    }

    private static int failureSize(TaskFailure f) {
        int size = 4 + stringSize(f.className()) + stringSize(f.message()) + 4;
        for (StackTraceElement e : f.stack()) {
            size += stringSize(e.getClassName()) + stringSize(e.getMethodName()) + stringSize(e.getFileName()) + 4;
        }
        return size;
    }

    private static void writeString(ByteBuf buf, String s) {
        if (s == null) {
            buf.writeIntLE(-1);
            return;
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        buf.writeIntLE(bytes.length).writeBytes(bytes);
    }

    private static int stringSize(String s) {
        return 4 + (s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length);
    }

    private static String readString(ByteBuf buf) {
        need(buf, 4, "a string's length");
        int length = buf.readIntLE();
        if (length < 0) {
            return null;
        }
        if (length > buf.readableBytes()) {
            throw new ProtocolException(
                    "string of " + length + " bytes in a task frame with " + buf.readableBytes() + " left");
        }
        String s = buf.toString(buf.readerIndex(), length, StandardCharsets.UTF_8);
        buf.skipBytes(length);
        return s;
    }
}
