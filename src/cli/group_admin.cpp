#include "cli/group_admin.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "cli/admin_client_access.h"

namespace strata::cli {

namespace {

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;
struct ErrorDeleter {
  void operator()(rd_kafka_error_t* e) const { rd_kafka_error_destroy(e); }
};

Error kafka_error(rd_kafka_resp_err_t code, const char* message) {
  return Error(static_cast<KafkaErrc>(code), message && *message ? message : rd_kafka_err2str(code));
}

Error from(const rd_kafka_error_t* error) {
  return kafka_error(rd_kafka_error_code(error), rd_kafka_error_string(error));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::vector<GroupPartition> partitions_of(const rd_kafka_topic_partition_list_t* list) {
  std::vector<GroupPartition> out;
  if (!list) return out;
  for (int i = 0; i < list->cnt; ++i) out.emplace_back(list->elems[i].topic, list->elems[i].partition);
  std::sort(out.begin(), out.end());
  return out;
}

// The first group result of an offsets call, its partition errors included.
result<const rd_kafka_group_result_t*> only_group(const rd_kafka_group_result_t** groups, size_t count) {
  if (count != 1) return Error(KafkaErrc::timed_out, "the cluster answered for no group");
  if (const rd_kafka_error_t* e = rd_kafka_group_result_error(groups[0])) return from(e);
  return groups[0];
}

}  // namespace

result<std::vector<GroupListing>> list_groups(AdminClient& client, const std::vector<std::string>& states) {
  rd_kafka_t* rk = AdminClientAccess::handle(client);
  STRATA_TRY_ASSIGN(AdminOptions options,
                    AdminClientAccess::options(client, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, false));
  std::vector<rd_kafka_consumer_group_state_t> codes;
  for (const std::string& s : states) {
    // librdkafka matches Kafka's names exactly; the tool takes any case, as Kafka's does.
    rd_kafka_consumer_group_state_t code = RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN;
    for (int c = 0; c < RD_KAFKA_CONSUMER_GROUP_STATE__CNT; ++c) {
      const auto candidate = static_cast<rd_kafka_consumer_group_state_t>(c);
      if (lower(rd_kafka_consumer_group_state_name(candidate)) == lower(s)) code = candidate;
    }
    if (code == RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN) {
      return Error(AdminErrc::invalid_argument,
                   fmt::format("Invalid state list '{}'. Valid states are: PreparingRebalance, "
                               "CompletingRebalance, Stable, Dead, Empty",
                               fmt::join(states, ",")));
    }
    codes.push_back(code);
  }
  if (!codes.empty()) {
    std::unique_ptr<rd_kafka_error_t, ErrorDeleter> error(
        rd_kafka_AdminOptions_set_match_consumer_group_states(options.get(), codes.data(), codes.size()));
    if (error) return from(error.get());
  }
  AdminQueue queue(rd_kafka_queue_new(rk));
  rd_kafka_ListConsumerGroups(rk, options.get(), queue.get());
  STRATA_TRY_ASSIGN(AdminEvent event, AdminClientAccess::wait(client, queue.get(), "listConsumerGroups"));
  const rd_kafka_ListConsumerGroups_result_t* res = rd_kafka_event_ListConsumerGroups_result(event.get());
  size_t error_count = 0;
  const rd_kafka_error_t** errors = rd_kafka_ListConsumerGroups_result_errors(res, &error_count);
  if (error_count > 0) return from(errors[0]);
  size_t count = 0;
  const rd_kafka_ConsumerGroupListing_t** listings = rd_kafka_ListConsumerGroups_result_valid(res, &count);
  std::vector<GroupListing> out;
  for (size_t i = 0; i < count; ++i) {
    out.push_back({rd_kafka_ConsumerGroupListing_group_id(listings[i]),
                   rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(listings[i]))});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.group_id < b.group_id; });
  return out;
}

result<GroupDescription> describe_group(AdminClient& client, const std::string& group) {
  rd_kafka_t* rk = AdminClientAccess::handle(client);
  STRATA_TRY_ASSIGN(AdminOptions options,
                    AdminClientAccess::options(client, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, false));
  AdminQueue queue(rd_kafka_queue_new(rk));
  const char* groups[] = {group.c_str()};
  rd_kafka_DescribeConsumerGroups(rk, groups, 1, options.get(), queue.get());
  STRATA_TRY_ASSIGN(AdminEvent event, AdminClientAccess::wait(client, queue.get(), "describeConsumerGroups"));
  size_t count = 0;
  const rd_kafka_ConsumerGroupDescription_t** described = rd_kafka_DescribeConsumerGroups_result_groups(
      rd_kafka_event_DescribeConsumerGroups_result(event.get()), &count);
  if (count != 1) return Error(KafkaErrc::timed_out, fmt::format("the cluster did not describe group {}", group));
  const rd_kafka_ConsumerGroupDescription_t* d = described[0];
  if (const rd_kafka_error_t* e = rd_kafka_ConsumerGroupDescription_error(d)) return from(e);
  GroupDescription out;
  out.group_id = rd_kafka_ConsumerGroupDescription_group_id(d);
  out.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(d));
  const char* assignor = rd_kafka_ConsumerGroupDescription_partition_assignor(d);
  out.assignor = assignor ? assignor : "";
  if (const rd_kafka_Node_t* node = rd_kafka_ConsumerGroupDescription_coordinator(d)) {
    out.coordinator_host = rd_kafka_Node_host(node);
    out.coordinator_port = rd_kafka_Node_port(node);
    out.coordinator_id = rd_kafka_Node_id(node);
  }
  for (size_t i = 0; i < rd_kafka_ConsumerGroupDescription_member_count(d); ++i) {
    const rd_kafka_MemberDescription_t* m = rd_kafka_ConsumerGroupDescription_member(d, i);
    GroupMember member;
    member.consumer_id = rd_kafka_MemberDescription_consumer_id(m);
    const char* instance = rd_kafka_MemberDescription_group_instance_id(m);
    member.group_instance_id = instance ? instance : "";
    member.client_id = rd_kafka_MemberDescription_client_id(m);
    member.host = rd_kafka_MemberDescription_host(m);
    if (const rd_kafka_MemberAssignment_t* a = rd_kafka_MemberDescription_assignment(m)) {
      member.assignment = partitions_of(rd_kafka_MemberAssignment_partitions(a));
    }
    out.members.push_back(std::move(member));
  }
  return out;
}

result<std::map<GroupPartition, int64_t>> committed_offsets(AdminClient& client, const std::string& group) {
  rd_kafka_t* rk = AdminClientAccess::handle(client);
  STRATA_TRY_ASSIGN(AdminOptions options,
                    AdminClientAccess::options(client, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, false));
  AdminQueue queue(rd_kafka_queue_new(rk));
  rd_kafka_ListConsumerGroupOffsets_t* request = rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr);
  rd_kafka_ListConsumerGroupOffsets(rk, &request, 1, options.get(), queue.get());
  rd_kafka_ListConsumerGroupOffsets_destroy(request);
  STRATA_TRY_ASSIGN(AdminEvent event, AdminClientAccess::wait(client, queue.get(), "listConsumerGroupOffsets"));
  size_t count = 0;
  const rd_kafka_group_result_t** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
      rd_kafka_event_ListConsumerGroupOffsets_result(event.get()), &count);
  STRATA_TRY_ASSIGN(const rd_kafka_group_result_t* g, only_group(groups, count));
  std::map<GroupPartition, int64_t> out;
  if (const rd_kafka_topic_partition_list_t* list = rd_kafka_group_result_partitions(g)) {
    for (int i = 0; i < list->cnt; ++i) {
      const rd_kafka_topic_partition_t& p = list->elems[i];
      if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR) return kafka_error(p.err, nullptr);
      if (p.offset >= 0) out[{p.topic, p.partition}] = p.offset;
    }
  }
  return out;
}

result<void> alter_offsets(AdminClient& client, const std::string& group,
                           const std::map<GroupPartition, int64_t>& offsets) {
  rd_kafka_t* rk = AdminClientAccess::handle(client);
  STRATA_TRY_ASSIGN(AdminOptions options,
                    AdminClientAccess::options(client, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, false));
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [tp, offset] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset = offset;
  }
  AdminQueue queue(rd_kafka_queue_new(rk));
  rd_kafka_AlterConsumerGroupOffsets_t* request = rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get());
  rd_kafka_AlterConsumerGroupOffsets(rk, &request, 1, options.get(), queue.get());
  rd_kafka_AlterConsumerGroupOffsets_destroy(request);
  STRATA_TRY_ASSIGN(AdminEvent event, AdminClientAccess::wait(client, queue.get(), "alterConsumerGroupOffsets"));
  size_t count = 0;
  const rd_kafka_group_result_t** groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(
      rd_kafka_event_AlterConsumerGroupOffsets_result(event.get()), &count);
  STRATA_TRY_ASSIGN(const rd_kafka_group_result_t* g, only_group(groups, count));
  if (const rd_kafka_topic_partition_list_t* done = rd_kafka_group_result_partitions(g)) {
    for (int i = 0; i < done->cnt; ++i) {
      if (done->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) return kafka_error(done->elems[i].err, nullptr);
    }
  }
  return success();
}

result<std::map<std::string, std::optional<Error>>> delete_groups(AdminClient& client,
                                                                  const std::vector<std::string>& groups) {
  rd_kafka_t* rk = AdminClientAccess::handle(client);
  STRATA_TRY_ASSIGN(AdminOptions options, AdminClientAccess::options(client, RD_KAFKA_ADMIN_OP_DELETEGROUPS, false));
  std::vector<rd_kafka_DeleteGroup_t*> requests;
  for (const std::string& g : groups) requests.push_back(rd_kafka_DeleteGroup_new(g.c_str()));
  AdminQueue queue(rd_kafka_queue_new(rk));
  rd_kafka_DeleteGroups(rk, requests.data(), requests.size(), options.get(), queue.get());
  rd_kafka_DeleteGroup_destroy_array(requests.data(), requests.size());
  STRATA_TRY_ASSIGN(AdminEvent event, AdminClientAccess::wait(client, queue.get(), "deleteConsumerGroups"));
  size_t count = 0;
  const rd_kafka_group_result_t** results =
      rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(event.get()), &count);
  std::map<std::string, std::optional<Error>> out;
  for (size_t i = 0; i < count; ++i) {
    const rd_kafka_error_t* e = rd_kafka_group_result_error(results[i]);
    out[rd_kafka_group_result_name(results[i])] = e ? std::optional<Error>(from(e)) : std::nullopt;
  }
  return out;
}

result<Watermarks> watermarks(AdminClient& client, const GroupPartition& partition) {
  Watermarks w;
  const rd_kafka_resp_err_t err =
      rd_kafka_query_watermark_offsets(AdminClientAccess::handle(client), partition.first.c_str(), partition.second,
                                       &w.low, &w.high, static_cast<int>(client.timeout().count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return kafka_error(err, fmt::format("{}-{}: {}", partition.first, partition.second, rd_kafka_err2str(err)).c_str());
  }
  return w;
}

result<std::map<GroupPartition, int64_t>> offsets_for_times(AdminClient& client,
                                                            const std::map<GroupPartition, int64_t>& timestamps) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(timestamps.size())));
  for (const auto& [tp, ts] : timestamps) {
    rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset = ts;
  }
  const rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(AdminClientAccess::handle(client), list.get(),
                                                             static_cast<int>(client.timeout().count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return kafka_error(err, nullptr);
  std::map<GroupPartition, int64_t> out;
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR) return kafka_error(p.err, nullptr);
    out[{p.topic, p.partition}] = p.offset;
  }
  return out;
}

}  // namespace strata::cli
