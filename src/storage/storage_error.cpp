#include "storage/storage_error.h"

namespace strata::storage {

std::string_view to_string(StorageErrc code) {
  switch (code) {
    case StorageErrc::io_error: return "io_error";
    case StorageErrc::not_found: return "not_found";
    case StorageErrc::corrupt_index: return "corrupt_index";
    case StorageErrc::invalid_offset: return "invalid_offset";
    case StorageErrc::offset_overflow: return "offset_overflow";
    case StorageErrc::index_full: return "index_full";
    case StorageErrc::malformed_checkpoint: return "malformed_checkpoint";
    case StorageErrc::unsupported_version: return "unsupported_version";
    case StorageErrc::invalid_topic: return "invalid_topic";
    case StorageErrc::invalid_file_name: return "invalid_file_name";
    case StorageErrc::invalid_argument: return "invalid_argument";
    case StorageErrc::corrupt_snapshot: return "corrupt_snapshot";
    case StorageErrc::offset_out_of_range: return "offset_out_of_range";
    case StorageErrc::batch_larger_than_segment: return "batch_larger_than_segment";
    case StorageErrc::log_closed: return "log_closed";
  }
  return "unknown";
}

}  // namespace strata::storage
