#include "storage/producer_state_error.h"

namespace strata::storage {

int16_t kafka_error_code(ProducerStateErrc code) {
  using namespace kafka_errors;
  switch (code) {
    case ProducerStateErrc::out_of_order_sequence: return kOutOfOrderSequenceNumber;
    case ProducerStateErrc::invalid_producer_epoch: return kInvalidProducerEpoch;
    case ProducerStateErrc::invalid_txn_state: return kInvalidTxnState;
    case ProducerStateErrc::coordinator_fenced: return kTransactionCoordinatorFenced;
    case ProducerStateErrc::invalid_argument: return kUnknownServerError;
  }
  return kUnknownServerError;
}

int16_t kafka_error_code_of(const Error& error) {
  if (error.category() != error_category(ProducerStateErrc{})) return kafka_errors::kUnknownServerError;
  return kafka_error_code(static_cast<ProducerStateErrc>(error.code()));
}

std::string_view to_string(ProducerStateErrc code) {
  switch (code) {
    case ProducerStateErrc::out_of_order_sequence: return "out_of_order_sequence";
    case ProducerStateErrc::invalid_producer_epoch: return "invalid_producer_epoch";
    case ProducerStateErrc::invalid_txn_state: return "invalid_txn_state";
    case ProducerStateErrc::coordinator_fenced: return "coordinator_fenced";
    case ProducerStateErrc::invalid_argument: return "invalid_argument";
  }
  return "unknown";
}

}  // namespace strata::storage
