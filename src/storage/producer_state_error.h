// The errors of producer state validation (idempotence and transactions) and the Kafka error code
// each one is answered with. Kafka raises them as exceptions from ProducerAppendInfo
// (OutOfOrderSequenceException, InvalidProducerEpochException, InvalidTxnStateException,
// TransactionCoordinatorFencedException); here they are result<T> errors with this category.
//
// A duplicate batch is not an error: ProducerStateManager::analyze_append reports it as
// ProducerStateUpdate::duplicate and the produce answers success with the original offsets, as
// Kafka does (DUPLICATE_SEQUENCE_NUMBER is never sent by Kafka 3.x brokers for this case).
#pragma once

#include <cstdint>
#include <string_view>

#include "base/error.h"

namespace strata::storage {

enum class ProducerStateErrc {
  // A sequence gap, a non-zero first sequence for a new epoch of a known producer
  // (OutOfOrderSequenceException).
  out_of_order_sequence = 1,
  // A data batch or marker whose producer epoch is older than the producer's
  // (InvalidProducerEpochException; a TV2 marker must be newer than the producer's epoch).
  invalid_producer_epoch,
  // A non-transactional batch from a producer with an ongoing transaction (InvalidTxnStateException).
  invalid_txn_state,
  // A transaction marker from an older coordinator epoch (TransactionCoordinatorFencedException).
  coordinator_fenced,
  // The caller broke the API contract (completing a transaction that was never started, a batch
  // without producer id where one is required). Kafka: IllegalArgumentException.
  invalid_argument,
};
constexpr std::string_view error_category(ProducerStateErrc) { return "producer_state"; }

// Kafka error codes (org.apache.kafka.common.protocol.Errors; ../shared/kafka-protocol/errors.tsv).
namespace kafka_errors {
inline constexpr int16_t kUnknownServerError = -1;
inline constexpr int16_t kOutOfOrderSequenceNumber = 45;
inline constexpr int16_t kDuplicateSequenceNumber = 46;
inline constexpr int16_t kInvalidProducerEpoch = 47;
inline constexpr int16_t kInvalidTxnState = 48;
inline constexpr int16_t kTransactionCoordinatorFenced = 52;
inline constexpr int16_t kUnknownProducerId = 59;
}  // namespace kafka_errors

//   out_of_order_sequence -> OUT_OF_ORDER_SEQUENCE_NUMBER (45)
//   invalid_producer_epoch -> INVALID_PRODUCER_EPOCH (47)
//   invalid_txn_state      -> INVALID_TXN_STATE (48)
//   coordinator_fenced     -> TRANSACTION_COORDINATOR_FENCED (52)
//   invalid_argument       -> UNKNOWN_SERVER_ERROR (-1)
int16_t kafka_error_code(ProducerStateErrc code);
// The code of a producer_state Error; UNKNOWN_SERVER_ERROR for an Error of another category.
int16_t kafka_error_code_of(const Error& error);

std::string_view to_string(ProducerStateErrc code);

}  // namespace strata::storage
