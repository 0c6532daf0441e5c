package io.meld.memory;

import io.meld.Distribution;
import io.meld.transport.FrameType;
import io.meld.transport.Link;
import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Bulk transfers: a range of a global array to or from a local {@code long[]} or {@code double[]}, in
 * {@code BULK_PUT} and {@code BULK_DATA} frames ({@link BulkDescriptor}).
 *
 * <p>The elements of a range that one partition holds are contiguous in its local index space, so
 * each home gets one request for one contiguous run of slots, streamed in frames of at most the frame
 * size. On the caller's side they fall into runs of consecutive positions (the whole segment for {@link
 * Distribution#BLOCK}, a block for {@link Distribution#blockCyclic}, one element for {@link
 * Distribution#CYCLIC}), each copied in one piece.
 *
 * <p>Each element is read and written whole (Java never tears a {@code long} of an array on the 64-bit
 * JVMs Meld runs on), but a transfer is not atomic as a whole: it races with concurrent operations on
 * the same elements like plain reads and writes would. A put is ordered after the calling thread's earlier operations to the same home (its buffer is
 * sent first, on the same connection).
 */
final class Bulk {
    private Bulk() {}

    /** One home's contiguous part of a range. */
    private record Segment(int home, int partition, long firstLocal, long slot, int count) {}

    static void get(MemoryService service, GlobalStorage s, long from, Object dst, int offset, int length) {
        service.settleLocal();
        List<Receiving> waits = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        RuntimeException first = null;
        List<Segment> segments = segments(s, from, length);
        checkMayWait(service, s, segments, -1, "bulk get");
        // The requests go out first: the homes stream their parts while this thread copies its own.
        for (Segment seg : segments) {
            if (seg.home == s.rank) {
                continue;
            }
            Receiving r = new Receiving(service, s, seg, from, dst, offset);
            int id = service.pending.register(r);
            try {
                OpBuffer buffer = service.sender().buffer(seg.home);
                buffer.acquire();
                try {
                    buffer.appendBulkGet(s.id, id, seg.slot, seg.count);
                    buffer.flushAwaited();
                } finally {
                    buffer.release();
                }
                waits.add(r);
                ids.add(id);
            } catch (RuntimeException e) {
                service.pending.forget(id);
                service.unsettle(seg.home, service.sender().lane);
                first = first == null ? e : first;
            }
        }
        for (Segment seg : segments) {
            if (seg.home == s.rank) {
                copyOut(s, seg, from, dst, offset);
            }
        }
        first = awaitAll(service, waits, ids, first);
        if (first != null) {
            unsettle(service, waits);
            throw first;
        }
    }

    static void put(MemoryService service, GlobalStorage s, long from, Object src, int offset, int length) {
        service.settleLocal();
        List<Segment> segments = segments(s, from, length);
        checkMayWait(service, s, segments, -1, "bulk put");
        RuntimeException first = putAwaited(service, s, segments, -1, from, src, offset);
        if (first != null) {
            throw first;
        }
    }

    /**
     * A put with a signal ({@link io.meld.Signal}): the segments away from the flag's home are written
     * and answered first; the segments at the flag's home leave unanswered on the connection its
     * operations take, followed by the signal itself, so the home applies them in that order without a
     * round trip. They count as frames nobody waited for: the thread's next fence covers them.
     */
    static void putSignal(
            MemoryService service,
            GlobalStorage s,
            long from,
            Object src,
            int offset,
            int length,
            LongArrayImpl flags,
            long flagIndex,
            boolean add,
            long value) {
        int flagHome = flags.owner(flagIndex); // checks the index and that the flags are live
        service.settleLocal();
        List<Segment> segments = segments(s, from, length);
        checkMayWait(service, s, segments, flagHome, "bulk put");
        RuntimeException first = putAwaited(service, s, segments, flagHome, from, src, offset);
        if (first != null) {
            throw first; // not all the data is written: no signal
        }
        Segment last = null;
        if (flagHome != s.rank) {
            for (Segment seg : segments) {
                if (seg.home == flagHome) {
                    last = seg;
                }
            }
        }
        if (last == null) {
            // No data at the flag's home: the signal leaves now, on its own (applied now, when local).
            flags.postNow(flagIndex, add ? OpCodec.ADD : OpCodec.PUT, value);
            return;
        }
        // The data at the flag's home, the signal riding on its last frame: one ordered stream, unanswered.
        Sender sender = service.sender();
        sender.flush(flagHome); // the thread's earlier operations to that node first
        Link link = service.linkTo(flagHome, sender.lane);
        GlobalStorage f = flags.storage;
        long[] signal = {f.id, add ? OpCodec.ADD : OpCodec.PUT, f.layout.slot(flagIndex), value};
        for (Segment seg : segments) {
            if (seg.home == flagHome) {
                stream(link, s, seg, 0, from, src, offset, false, seg == last ? signal : null);
            }
        }
        service.unsettle(flagHome, sender.lane); // frames nobody waits for: the next fence covers them
    }

    /**
     * Writes the segments held here and streams those of other nodes but {@code skipHome}, then waits
     * for the homes' answers.
     *
     * @return the first failure, or {@code null}
     */
    private static RuntimeException putAwaited(
            MemoryService service,
            GlobalStorage s,
            List<Segment> segments,
            int skipHome,
            long from,
            Object src,
            int offset) {
        List<Pending.Blocking> waits = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        RuntimeException first = null;
        boolean copied = false;
        for (Segment seg : segments) {
            if (seg.home == s.rank) {
                copyIn(s, seg, from, src, offset);
                copied = true;
                continue;
            }
            if (seg.home == skipHome) {
                continue;
            }
            Pending.Blocking p = new Pending.Blocking(
                    seg.home,
                    System.nanoTime() + service.timeoutNanos(),
                    s,
                    OpCodec.PUT,
                    s.layout.globalIndex(seg.partition, seg.firstLocal));
            int id = service.pending.register(p);
            try {
                Sender sender = service.sender();
                sender.flush(seg.home);
                stream(service.linkTo(seg.home, sender.lane), s, seg, id, from, src, offset, true, null);
                waits.add(p);
                ids.add(id);
            } catch (RuntimeException e) {
                service.pending.forget(id);
                first = first == null ? e : first;
            }
        }
        if (copied) {
            s.wakeWaitersAfterPlainWrites();
        }
        first = awaitAll(service, waits, ids, first);
        if (first != null) {
            unsettle(service, waits);
        }
        return first;
    }

    /** A transfer failed: what it sent may yet be applied, so the next fence must cover its connections. */
    private static void unsettle(MemoryService service, List<? extends Pending.Blocking> waits) {
        for (Pending.Blocking w : waits) {
            service.unsettle(w.destination, service.sender().lane);
        }
    }

    /** At the home, on the I/O thread: sends the requested slots back as BULK_DATA frames, as the link drains. */
    static void serve(Link link, GlobalStorage s, int id, long slot, int count) {
        if (count < 0) {
            throw new ProtocolException("bulk get of " + count + " elements");
        }
        new Server(link, s, id, slot, count).run();
    }

    /** The segments of {@code [from, from + length)}: per partition, split where chunk homes change. */
    private static List<Segment> segments(GlobalStorage s, long from, int length) {
        List<Segment> out = new ArrayList<>();
        ArrayLayout layout = s.layout;
        for (int p = 0; p < layout.nodes(); p++) {
            long lo = layout.firstLocal(p, from);
            long hi = layout.firstLocal(p, from + length);
            while (lo < hi) {
                long slot = layout.slot(p, lo);
                int home = s.home(slot);
                long end = lo;
                while (end < hi && s.home(layout.slot(p, end)) == home) {
                    end = Math.min(hi, end + (layout.chunkSize() - (layout.slot(p, end) & layout.chunkMask())));
                }
                out.add(new Segment(home, p, lo, slot, (int) (end - lo)));
                lo = end;
            }
        }
        return out;
    }

    /**
     * Refuses a transfer that would wait on the I/O thread that must read a home's answer, before any of
     * it is done; the segments at {@code unawaitedHome} are not waited for.
     */
    private static void checkMayWait(
            MemoryService service, GlobalStorage s, List<Segment> segments, int unawaitedHome, String what) {
        for (Segment seg : segments) {
            if (seg.home != s.rank && seg.home != unawaitedHome) {
                service.checkMayWaitFor(seg.home, service.sender().lane, what + " of '" + s.name + "'");
            }
        }
    }

    private static RuntimeException awaitAll(
            MemoryService service, List<? extends Pending.Blocking> waits, List<Integer> ids, RuntimeException first) {
        for (int i = 0; i < waits.size(); i++) {
            try {
                service.await(waits.get(i), ids.get(i));
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        return first;
    }

    /** The position in the caller's array of the {@code j}-th element of a segment. */
    private static int position(GlobalStorage s, Segment seg, long j, long from, int offset) {
        return (int) (offset + s.layout.globalIndex(seg.partition, seg.firstLocal + j) - from);
    }

    /**
     * @return how many of a segment's elements from its {@code j}-th on, at most {@code max}, sit at
     *     consecutive positions of the caller's array
     */
    private static int run(GlobalStorage s, Segment seg, int j, int max) {
        return (int) Math.min(max, s.layout.run(seg.partition, seg.firstLocal + j));
    }

    /** A local segment, from the chunks to the caller's array. */
    private static void copyOut(GlobalStorage s, Segment seg, long from, Object dst, int offset) {
        long slot = seg.slot;
        int done = 0;
        while (done < seg.count) {
            int pos = s.position(slot);
            int m = Math.min(seg.count - done, s.heldFrom(slot));
            Object chunk = s.isDouble ? s.doubleChunk(slot) : s.longChunk(slot);
            for (int e = 0, n; e < m; e += n) {
                n = run(s, seg, done + e, m - e);
                System.arraycopy(chunk, pos + e, dst, position(s, seg, done + e, from, offset), n);
            }
            done += m;
            slot += m;
        }
    }

    /** A local segment, from the caller's array to the chunks. */
    private static void copyIn(GlobalStorage s, Segment seg, long from, Object src, int offset) {
        long slot = seg.slot;
        int done = 0;
        while (done < seg.count) {
            int pos = s.position(slot);
            int m = Math.min(seg.count - done, s.heldFrom(slot));
            Object chunk = s.isDouble ? s.doubleChunk(slot) : s.longChunk(slot);
            for (int e = 0, n; e < m; e += n) {
                n = run(s, seg, done + e, m - e);
                System.arraycopy(src, position(s, seg, done + e, from, offset), chunk, pos + e, n);
            }
            done += m;
            slot += m;
        }
    }

    /**
     * A remote segment, from the caller's array to BULK_PUT frames; the last one asks for an answer when
     * {@code answered}, and carries {@code signal} (flag array id, opcode, slot, value) when it is not
     * {@code null}.
     */
    private static void stream(
            Link link,
            GlobalStorage s,
            Segment seg,
            int id,
            long from,
            Object src,
            int offset,
            boolean answered,
            long[] signal) {
        int perFrame = (link.maxPayload() - BulkDescriptor.PUT_HEADER_LENGTH - BulkDescriptor.SIGNAL_LENGTH)
                / BulkDescriptor.VALUE_LENGTH;
        int done = 0;
        do {
            int m = Math.min(perFrame, seg.count - done);
            boolean last = done + m == seg.count;
            boolean signals = last && signal != null;
            int flags = (last && answered ? BulkDescriptor.LAST_CHUNK : 0) | (signals ? BulkDescriptor.SIGNAL : 0);
            int header = BulkDescriptor.putHeaderLength(flags);
            int bytes = m * BulkDescriptor.VALUE_LENGTH;
            ByteBuf frame = link.newFrame(FrameType.BULK_PUT, flags, header + bytes);
            frame.ensureWritable(header + bytes);
            int start = frame.writerIndex();
            frame.setIntLE(start + BulkDescriptor.PUT_REQUEST_ID_OFFSET, id);
            frame.setIntLE(start + BulkDescriptor.PUT_ARRAY_ID_OFFSET, s.id);
            frame.setLongLE(start + BulkDescriptor.PUT_SLOT_OFFSET, seg.slot + done);
            if (signals) {
                int sig = start + BulkDescriptor.SIGNAL_OFFSET;
                frame.setIntLE(sig + BulkDescriptor.SIGNAL_ARRAY_ID_OFFSET, (int) signal[0]);
                frame.setIntLE(sig + BulkDescriptor.SIGNAL_OPCODE_OFFSET, (int) signal[1]);
                frame.setLongLE(sig + BulkDescriptor.SIGNAL_SLOT_OFFSET, signal[2]);
                frame.setLongLE(sig + BulkDescriptor.SIGNAL_VALUE_OFFSET, signal[3]);
            }
            frame.writerIndex(start + header);
            ByteBuffer out = frame.nioBuffer(frame.writerIndex(), bytes).order(ByteOrder.LITTLE_ENDIAN);
            LongBuffer longs = src instanceof long[] ? out.asLongBuffer() : null;
            DoubleBuffer doubles = longs == null ? out.asDoubleBuffer() : null;
            for (int e = 0, n; e < m; e += n) {
                n = run(s, seg, done + e, m - e);
                int at = position(s, seg, done + e, from, offset);
                if (longs != null) {
                    longs.put((long[]) src, at, n);
                } else {
                    doubles.put((double[]) src, at, n);
                }
            }
            frame.writerIndex(frame.writerIndex() + bytes);
            link.send(frame);
            done += m;
        } while (done < seg.count);
    }

    /** A remote bulk get in progress: BULK_DATA frames land in the caller's array as they come. */
    static final class Receiving extends Pending.Blocking {
        private final GlobalStorage array;
        private final Segment segment;
        private final long from;
        private final Object dst;
        private final int offset;
        private long received;

        private Receiving(MemoryService service, GlobalStorage s, Segment seg, long from, Object dst, int offset) {
            super(
                    seg.home,
                    System.nanoTime() + service.timeoutNanos(),
                    s,
                    OpCodec.BULK_GET,
                    s.layout.globalIndex(seg.partition, seg.firstLocal));
            this.array = s;
            this.segment = seg;
            this.from = from;
            this.dst = dst;
            this.offset = offset;
        }

        /** On the I/O thread: places one frame's elements; returns whether all have arrived. */
        boolean receive(long position, ByteBuf p) {
            int n = p.readableBytes() / BulkDescriptor.VALUE_LENGTH;
            if (position != received || position + n > segment.count) {
                throw new ProtocolException("bulk data at element " + position + " (+" + n + ") where " + received
                        + " of " + segment.count + " was due");
            }
            ByteBuffer in = p.nioBuffer(p.readerIndex(), n * BulkDescriptor.VALUE_LENGTH)
                    .order(ByteOrder.LITTLE_ENDIAN);
            LongBuffer longs = dst instanceof long[] ? in.asLongBuffer() : null;
            DoubleBuffer doubles = longs == null ? in.asDoubleBuffer() : null;
            for (int e = 0, k; e < n; e += k) {
                k = run(array, segment, (int) position + e, n - e);
                int at = position(array, segment, position + e, from, offset);
                if (longs != null) {
                    longs.get((long[]) dst, at, k);
                } else {
                    doubles.get((double[]) dst, at, k);
                }
            }
            received += n;
            return received == segment.count;
        }
    }

    /** Streams one bulk get's answer, pausing while the connection is full and resuming when it drains. */
    private static final class Server implements Runnable {
        private final Link link;
        private final GlobalStorage s;
        private final int id;
        private final long slot;
        private final int count;
        private int done;

        Server(Link link, GlobalStorage s, int id, long slot, int count) {
            this.link = link;
            this.s = s;
            this.id = id;
            this.slot = slot;
            this.count = count;
        }

        @Override
        public void run() {
            int perFrame = (link.maxPayload() - BulkDescriptor.DATA_HEADER_LENGTH) / BulkDescriptor.VALUE_LENGTH;
            while (done < count) {
                int m = Math.min(perFrame, count - done);
                int length = BulkDescriptor.DATA_HEADER_LENGTH + m * BulkDescriptor.VALUE_LENGTH;
                ByteBuf frame = link.newFrame(FrameType.BULK_DATA, 0, length);
                try {
                    frame.ensureWritable(length);
                    int header = frame.writerIndex();
                    frame.setIntLE(header + BulkDescriptor.DATA_REQUEST_ID_OFFSET, id);
                    frame.setIntLE(header + BulkDescriptor.DATA_RESERVED_OFFSET, 0);
                    frame.setLongLE(header + BulkDescriptor.DATA_POSITION_OFFSET, done);
                    frame.writerIndex(header + BulkDescriptor.DATA_HEADER_LENGTH);
                    long at = slot + done;
                    int written = 0;
                    while (written < m) {
                        int pos = s.position(at);
                        int k = Math.min(m - written, s.heldFrom(at));
                        ByteBuffer out = frame.nioBuffer(frame.writerIndex(), k * BulkDescriptor.VALUE_LENGTH)
                                .order(ByteOrder.LITTLE_ENDIAN);
                        if (s.isDouble) {
                            out.asDoubleBuffer().put(s.doubleChunk(at), pos, k);
                        } else {
                            out.asLongBuffer().put(s.longChunk(at), pos, k);
                        }
                        frame.writerIndex(frame.writerIndex() + k * BulkDescriptor.VALUE_LENGTH);
                        written += k;
                        at += k;
                    }
                } catch (RuntimeException | Error e) {
                    // A request past the slots this node holds is refused by the chunk accessors: the frame
                    // was never sent, and is released here rather than leaked.
                    frame.release();
                    throw e;
                }
                link.send(frame);
                done += m;
                if (done < count && !link.isWritableNow()) {
                    link.whenWritable(this);
                    return;
                }
            }
        }
    }
}
