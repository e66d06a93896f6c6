/**
 * Importers: real trace formats (Linux ftrace, kernel logs, ...) into canonical events.
 *
 * <h2>Adding an importer</h2>
 * <ol>
 *   <li>Implement {@link io.iommusim.trace.imports.Importer} — for a text format, extend
 *       {@link io.iommusim.trace.imports.LineImporter} and write a
 *       {@link io.iommusim.trace.imports.LineParser}; for a binary format, implement
 *       {@link io.iommusim.trace.imports.InputParser} yourself, return {@code record} from
 *       {@link io.iommusim.trace.imports.Importer#unit}, and call
 *       {@link io.iommusim.trace.imports.ImportOutput#lineRead} once per record before accounting for it
 *       (record numbers take the place of line numbers in the report, the rejects file and errors; see
 *       {@code imports.gem5}). Put it in a subpackage named after the format ({@code imports.ftrace},
 *       {@code imports.kernellog}).
 *   <li>Register it in {@link io.iommusim.trace.imports.Importers} (one line). It is then reachable as
 *       {@code convert --format NAME}, {@code simulate --format NAME} and through {@code --format auto}.
 *   <li>Document it in the README ("Importing real traces"): what each source line becomes, what is
 *       inferred, its options, its report reasons.
 *   <li>Test it with fixtures written from {@code shared/reference/trace-formats.md} (every variant, plus
 *       messy ones) and assert the exact events, ignored and unparsed counts
 *       ({@code ImportTestSupport} in the tests runs an importer over a string).
 * </ol>
 *
 * <h2>The contract</h2>
 * <ul>
 *   <li><b>Name</b>: lower case with dashes ({@code kernel-log}); never {@code csv}, {@code parquet} or
 *       {@code auto}.
 *   <li><b>Detection</b> ({@link io.iommusim.trace.imports.Importer#detect}): a pure function of the first
 *       64 KiB of the input (gunzipped; as bytes and as lines with mail quotes removed), returning 0-100.
 *       Return at least {@link io.iommusim.trace.imports.Importers#DETECT_THRESHOLD} (50) only when lines
 *       that only this format has are present; return 90+ for an unmistakable header.
 *   <li><b>Options</b>: declare every option ({@link io.iommusim.trace.imports.ImportOption}) with its
 *       default and meaning; read them through {@link io.iommusim.trace.imports.ImportOptions} (typed,
 *       errors name the option). {@link io.iommusim.trace.imports.Importer#validate} must parse every
 *       option so bad values fail on the driver. Options whose value is a file are declared with
 *       {@link io.iommusim.trace.imports.ImportOption#file}: the driver reads the file and tasks get its
 *       text ({@link io.iommusim.trace.imports.ImportOptions#fileText}). Users pass options as
 *       {@code -o key=value}; options {@code access.*} belong to the framework.
 *   <li><b>Streaming, bounded memory</b>: {@link io.iommusim.trace.imports.InputParser#step} reads a
 *       line (or record) at a time. State may grow with what is live in the traced system (open mappings,
 *       devices, pending pairs — each bounded or documented), never with the length of the input.
 *   <li><b>Determinism</b>: the same input and options give the same events in the same order. An input
 *       may be parsed twice (Spark reads every input once to scan and once to replay), so no state may
 *       survive between inputs, and nothing may depend on hash-map iteration order, time or randomness.
 *       Each input file is imported on its own: pairing and lifetimes do not cross files.
 *   <li><b>Events</b>: through {@link io.iommusim.trace.imports.ImportOutput#emit} (fill the returned
 *       event before returning to the framework), and mappings through
 *       {@link io.iommusim.trace.imports.ImportOutput#map}/{@link io.iommusim.trace.imports.ImportOutput#unmap}
 *       so that {@code --synthesize-access} sees them (give the owning device and the buffer's exact
 *       range). Events must satisfy the model's rules (README, "Canonical traces": a map has a domain
 *       0..65535 and is page-aligned, a DMA has a sid, ...); fix up or reject the line, never emit an
 *       event the replay would refuse. {@code ts_ns} is the source's time in nanoseconds; {@code seq}
 *       is assigned by the framework (the event's position in the input's stream, from the input's
 *       {@code seqBase}), so events at equal times keep the order in which they were emitted.
 *   <li><b>Accounting</b>: every line is accounted for exactly once, as
 *       {@link io.iommusim.trace.imports.ImportOutput#events} (its content is in emitted events),
 *       {@link io.iommusim.trace.imports.ImportOutput#ignored} (recognised, nothing for the model: a
 *       header, an unrelated event), or {@link io.iommusim.trace.imports.ImportOutput#unparsed} (could not
 *       be imported: written to the rejects file; {@code --strict} stops here with file, line and text).
 *       A line whose fate is decided later is {@link io.iommusim.trace.imports.ImportOutput#defer}red and
 *       must be settled before {@link io.iommusim.trace.imports.InputParser#finish} returns. The framework
 *       checks the sum at the end of every input and fails loudly on a mismatch. Reasons are short
 *       fixed phrases (they are report keys), e.g. {@code "dma_map_sg: array lengths differ"}; put the
 *       variable part in a note's detail.
 *   <li><b>Notes</b>: whatever the importer inferred or could not know goes into
 *       {@link io.iommusim.trace.imports.ImportOutput#note} — a domain it made up, a direction it assumed,
 *       events the tracer lost (with the amount).
 *   <li><b>Observed faults</b>: a fault a real system recorded is a {@code fault_observed} event (README,
 *       "Canonical traces": {@code sid}, {@code addr}, {@code perm} = the access, {@code index} for
 *       interrupt-remapping faults, {@code reason} = the vendor's code, {@code vendor}). Fault messages the
 *       source suppressed ("N callbacks suppressed") go through
 *       {@link io.iommusim.trace.imports.ImportOutput#faultsSuppressed}: it emits a suppression record (a
 *       {@code fault_observed} without reason, {@code size} = the count) and notes the count under
 *       {@link io.iommusim.trace.imports.ImportReport#NOTE_SUPPRESSED}; {@code validate} reads the records,
 *       so the count survives conversion to a canonical trace.
 *   <li><b>Line formats</b> ({@link io.iommusim.trace.imports.LineParser}): {@code decode} is pure and may
 *       be called on candidate joins of a line with the next ones; a line that does not decode is retried
 *       joined with the following line when that one cannot start a record
 *       ({@link io.iommusim.trace.imports.LineParser#isContinuation}) — that is how mail-wrapped captures
 *       are read. Leading {@code >} quote markers and blank lines are handled by the framework.
 * </ul>
 *
 * <h2>How imported inputs flow through the pipeline</h2>
 * Like canonical CSV: one Spark task per input file runs the importer and streams canonical rows
 * (the scan pass, which also collects the conversion report and writes the input's rejects; then the
 * replay pass, which parses again and discards rejects). Nothing is held in memory beyond the importer's
 * live state; the input is read through Hadoop's FileSystem, so any file system works.
 */
package io.iommusim.trace.imports;
