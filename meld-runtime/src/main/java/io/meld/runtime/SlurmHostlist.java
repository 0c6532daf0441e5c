package io.meld.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * Slurm's compact lists, as {@code srun} puts them in a task's environment.
 *
 * <ul>
 *   <li><b>Host lists</b> ({@code SLURM_STEP_NODELIST}, {@code SLURM_JOB_NODELIST}): host expressions
 *       separated by commas, where {@code [...]} holds numbers and ranges separated by commas; a range
 *       keeps the zero padding of its first number. {@code node[01-03,07],gpu5} is {@code node01 node02
 *       node03 node07 gpu5}; several brackets in one expression multiply, the first varying slowest
 *       ({@code r[1-2]n[1-2]} is {@code r1n1 r1n2 r2n1 r2n2}), as {@code scontrol show hostnames} writes
 *       them.
 *   <li><b>Task counts</b> ({@code SLURM_STEP_TASKS_PER_NODE}, {@code SLURM_TASKS_PER_NODE}): counts
 *       separated by commas, {@code n(xk)} for {@code k} nodes of {@code n}: {@code 2(x3),1} is {@code 2 2
 *       2 1}.
 * </ul>
 *
 * <p>Stateless; safe from any thread.
 */
final class SlurmHostlist {
    /** More hosts than any Slurm cluster has: a typo such as {@code node[1-99999999]} fails instead. */
    static final int MAX_HOSTS = 1 << 20;

    private SlurmHostlist() {}

    /**
     * @param list a Slurm host list
     * @return the host names, in order
     * @throws IllegalArgumentException when the list is malformed; the message quotes the bad part
     */
    static List<String> expand(String list) {
        List<String> hosts = new ArrayList<>();
        for (String expression : splitTopLevel(list.trim(), list)) {
            if (expression.isEmpty()) {
                throw new IllegalArgumentException("empty host name in Slurm host list '" + list + "'");
            }
            expandInto(expression, list, hosts);
        }
        return hosts;
    }

    /**
     * @param counts a Slurm task count list
     * @return the count of each node, in order
     * @throws IllegalArgumentException when the list is malformed; the message quotes the bad part
     */
    static List<Integer> expandCounts(String counts) {
        List<Integer> out = new ArrayList<>();
        for (String part : counts.trim().split(",")) {
            String p = part.trim();
            int repeat = 1;
            int paren = p.indexOf('(');
            if (paren >= 0) {
                if (!p.endsWith(")") || !p.startsWith("x", paren + 1)) {
                    throw new IllegalArgumentException(
                            "'" + p + "' in Slurm task counts '" + counts + "' is not n or n(xk)");
                }
                repeat = number(p.substring(paren + 2, p.length() - 1), p, counts);
                p = p.substring(0, paren);
            }
            int n = number(p, part, counts);
            if (out.size() + (long) repeat > MAX_HOSTS) {
                throw new IllegalArgumentException("Slurm task counts '" + counts + "' list too many nodes");
            }
            for (int i = 0; i < repeat; i++) {
                out.add(n);
            }
        }
        return out;
    }

    private static void expandInto(String expression, String list, List<String> hosts) {
        int open = expression.indexOf('[');
        int close = expression.indexOf(']');
        if (open < 0) {
            if (close >= 0) {
                throw new IllegalArgumentException(
                        "unmatched ']' in '" + expression + "' of Slurm host list '" + list + "'");
            }
            hosts.add(expression);
            return;
        }
        if (close < open) {
            throw new IllegalArgumentException(
                    "unmatched '[' in '" + expression + "' of Slurm host list '" + list + "'");
        }
        String prefix = expression.substring(0, open);
        String rest = expression.substring(close + 1);
        for (String range : expression.substring(open + 1, close).split(",", -1)) {
            int dash = range.indexOf('-');
            String lo = dash < 0 ? range : range.substring(0, dash);
            String hi = dash < 0 ? range : range.substring(dash + 1);
            long from = number(lo, range, list);
            long to = number(hi, range, list);
            if (to < from) {
                throw new IllegalArgumentException(
                        "range '" + range + "' runs backwards in Slurm host list '" + list + "'");
            }
            if (hosts.size() + (to - from + 1) > MAX_HOSTS) {
                throw new IllegalArgumentException("Slurm host list '" + list + "' names too many hosts");
            }
            for (long i = from; i <= to; i++) {
                String digits = Long.toString(i);
                String padded = "0".repeat(Math.max(0, lo.length() - digits.length())) + digits;
                expandInto(prefix + padded + rest, list, hosts);
            }
        }
    }

    /** Splits at commas outside brackets. */
    private static List<String> splitTopLevel(String s, String list) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '[') {
                depth++;
                if (depth > 1) {
                    throw new IllegalArgumentException("nested '[' in Slurm host list '" + list + "'");
                }
            } else if (c == ']') {
                depth--;
                if (depth < 0) {
                    throw new IllegalArgumentException("unmatched ']' in Slurm host list '" + list + "'");
                }
            } else if (c == ',' && depth == 0) {
                parts.add(s.substring(start, i).trim());
                start = i + 1;
            }
        }
        if (depth != 0) {
            throw new IllegalArgumentException("unmatched '[' in Slurm host list '" + list + "'");
        }
        parts.add(s.substring(start).trim());
        return parts;
    }

    private static int number(String digits, String part, String list) {
        String d = digits.trim();
        if (d.isEmpty() || d.length() > 9 || !d.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("'" + part + "' in Slurm list '" + list + "' is not a number or range");
        }
        return Integer.parseInt(d);
    }
}
