// Consumer group admin calls over librdkafka's admin API (2.0.2: ListConsumerGroups,
// DescribeConsumerGroups, List/AlterConsumerGroupOffsets, DeleteGroups) and the partition offsets
// the tools compare with (watermarks, offsets for times), for `strata consumer-groups`. Each call
// is one request bounded by the client's timeout; errors are KafkaErrc values with the broker's
// message, as in admin_client.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/admin_client.h"

namespace strata::cli {

using GroupPartition = std::pair<std::string, int32_t>;  // topic, partition

struct GroupListing {
  std::string group_id;
  std::string state;  // Kafka's names: Stable, Empty, PreparingRebalance, CompletingRebalance, Dead
};

struct GroupMember {
  std::string consumer_id;
  std::string group_instance_id;  // empty for a dynamic member
  std::string client_id;
  std::string host;
  std::vector<GroupPartition> assignment;  // sorted
};

struct GroupDescription {
  std::string group_id;
  std::string state;  // "Dead" for a group the coordinator does not know
  std::string assignor;
  std::string coordinator_host;
  int coordinator_port = 0;
  int coordinator_id = -1;
  std::vector<GroupMember> members;
};

// Every consumer group, or those in one of `states` (Kafka's names, matched case-insensitively).
result<std::vector<GroupListing>> list_groups(AdminClient& client, const std::vector<std::string>& states);
result<GroupDescription> describe_group(AdminClient& client, const std::string& group);
// The group's committed offsets (every partition it committed).
result<std::map<GroupPartition, int64_t>> committed_offsets(AdminClient& client, const std::string& group);
result<void> alter_offsets(AdminClient& client, const std::string& group,
                           const std::map<GroupPartition, int64_t>& offsets);
// Deletes the groups; each group's outcome (nullopt: deleted).
result<std::map<std::string, std::optional<Error>>> delete_groups(AdminClient& client,
                                                                  const std::vector<std::string>& groups);

struct Watermarks {
  int64_t low = -1;   // log start offset
  int64_t high = -1;  // high watermark (the log end offset consumers see)
};
result<Watermarks> watermarks(AdminClient& client, const GroupPartition& partition);
// The first offset with a timestamp >= the given one per partition, -1 where there is none.
result<std::map<GroupPartition, int64_t>> offsets_for_times(AdminClient& client,
                                                            const std::map<GroupPartition, int64_t>& timestamps);

}  // namespace strata::cli
