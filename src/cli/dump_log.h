// `strata dump-log`: Kafka's kafka-dump-log.sh (kafka.tools.DumpLogSegments), line for line, for
// the files of a log directory: .log segments (batches, and records with --deep-iteration or
// --print-data-log), .index and .timeindex (with --index-sanity-check / --verify-index-only and
// the mismatch reports), .snapshot (producer state) and .txnindex.
//
// Output goes to `out` (what Kafka prints to stdout) and `err` (what it prints to stderr). Where
// Kafka stops with an exception (a batch size below 14, a record that does not parse, a missing
// .log next to an index, an index that fails --index-sanity-check) dump_log prints one line
// "strata dump-log: <what>" to `err`, skips the end-of-run reports as Kafka does, and returns 1.
//
// Known differences from Kafka, all where Kafka's tool needs classes Strata does not have: no
// --key-decoder-class/--value-decoder-class/--offsets-decoder/--transaction-log-decoder/
// --cluster-metadata-decoder (keys and values print as UTF-8 text, Kafka's StringDecoder); KRaft
// control records (snapshot header/footer, voters, kraft.version) print as "controlType: NAME(id)"
// instead of their JSON; magic 0/1 (and unknown magic) batches stop the dump with an error.
#pragma once

#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace strata::cli {

// DumpLogSegmentsOptions' defaults.
inline constexpr int32_t kDefaultDumpMaxMessageSize = 5 * 1024 * 1024;                // --max-message-size
inline constexpr int32_t kDefaultDumpMaxBytes = std::numeric_limits<int32_t>::max();  // --max-bytes

struct DumpLogOptions {
  std::vector<std::string> files;     // --files, comma separated on the command line
  bool print_data_log = false;        // --print-data-log (implies deep iteration)
  bool deep_iteration = false;        // --deep-iteration
  bool index_sanity_check = false;    // --index-sanity-check
  bool verify_index_only = false;     // --verify-index-only
  bool skip_record_metadata = false;  // --skip-record-metadata
  int32_t max_message_size = kDefaultDumpMaxMessageSize;
  int32_t max_bytes = kDefaultDumpMaxBytes;
};

// Runs the dump; returns the process exit code (0, or 1 where Kafka's tool would throw).
int dump_log(const DumpLogOptions& options, std::ostream& out, std::ostream& err);

// Registers the `dump-log` subcommand on `app`; `options` receives the parsed flags.
CLI::App* add_dump_log_command(CLI::App& app, DumpLogOptions& options);

}  // namespace strata::cli
