// The librdkafka handle of an AdminClient and its request plumbing (admin options bounded by the
// client's timeout, the wait for one result event), for admin calls that live outside
// admin_client.cpp (group_admin.cpp). Only cli code that speaks librdkafka includes this.
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string_view>

#include "cli/admin_client.h"

namespace strata::cli {

struct AdminEventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};
struct AdminQueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
using AdminEvent = std::unique_ptr<rd_kafka_event_t, AdminEventDeleter>;
using AdminOptions = std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter>;
using AdminQueue = std::unique_ptr<rd_kafka_queue_t, AdminQueueDeleter>;

struct AdminClientAccess {
  static rd_kafka_t* handle(AdminClient& client);
  // Options for `op` with the client's request (and, when asked, operation) timeout.
  static result<AdminOptions> options(AdminClient& client, rd_kafka_admin_op_t op, bool operation_timeout);
  // The result event of the request just sent on `queue`, or the request's error (a timeout names
  // `call`, as Kafka's admin client does).
  static result<AdminEvent> wait(AdminClient& client, rd_kafka_queue_t* queue, std::string_view call);
};

}  // namespace strata::cli
