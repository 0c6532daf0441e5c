/**
 * The benchmarks' report: from the JSON lines of a run ({@code bin/meld bench ... --report DIR}), an
 * HTML page with PNG charts (XChart) and a summary table of every figure beside its baseline and its
 * target.
 */
package io.meld.bench.report;
