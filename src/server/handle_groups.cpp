// The group coordinator's APIs (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
// OffsetCommit, OffsetFetch, OffsetDelete, ListGroups, DescribeGroups, DeleteGroups): each turns
// its request into a call of group::GroupCoordinator (src/group) and the answer into the
// response of its version. Answers the coordinator gives later (a JoinGroup held until the
// rebalance completes, a commit until its append) are awaited on a timer that the callback
// cancels.
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <cctype>

#include "server/group_service.h"
#include "server/handlers.h"
#include "server/logging.h"

namespace strata::server {

using group::GroupCoordinator;
using protocol::ErrorCode;

namespace {

constexpr int8_t kGroupKeyType = 0;
constexpr int8_t kTransactionKeyType = 1;
// Fields a version does not have must keep their defaults (the encoder refuses them otherwise).
constexpr int16_t kFindCoordinatorFirstVersionWithErrorMessage = 1;
constexpr int16_t kFindCoordinatorFirstBatchedVersion = 4;
constexpr int16_t kJoinGroupFirstVersionWithKnownMemberId = 4;
constexpr int16_t kJoinGroupFirstVersionWithInstanceId = 5;
constexpr int16_t kJoinGroupFirstVersionWithProtocolType = 7;
constexpr int16_t kJoinGroupFirstVersionWithSkipAssignment = 9;
constexpr int16_t kSyncGroupFirstVersionWithProtocol = 5;
constexpr int16_t kLeaveGroupFirstBatchedVersion = 3;
constexpr int16_t kOffsetCommitOnlyVersionWithCommitTimestamp = 1;
constexpr int16_t kOffsetFetchFirstVersionWithTopLevelError = 2;
constexpr int16_t kOffsetFetchFirstVersionWithLeaderEpoch = 5;
constexpr int16_t kOffsetFetchFirstBatchedVersion = 8;
constexpr int16_t kListGroupsFirstVersionWithState = 4;
constexpr int16_t kListGroupsFirstVersionWithType = 5;
constexpr int16_t kDescribeGroupsFirstVersionWithInstanceId = 4;
constexpr int16_t kDescribeGroupsFirstVersionWithAuthorizedOperations = 3;
// AclOperation bits a group supports: READ (3), DELETE (6), DESCRIBE (8); every one is allowed
// without an authorizer.
constexpr int32_t kGroupAuthorizedOperations = (1 << 3) | (1 << 6) | (1 << 8);
constexpr std::string_view kClassicGroupType = "classic";

int16_t code(ErrorCode e) { return static_cast<int16_t>(e); }

// A callback's answer, awaited: the callback stores the value and cancels the timer.
template <class T>
struct Pending {
  explicit Pending(asio::io_context& io) : timer(io, asio::steady_timer::time_point::max()) {}
  asio::steady_timer timer;
  std::optional<T> value;
};

template <class T>
std::function<void(T)> completer(const std::shared_ptr<Pending<T>>& pending) {
  return [pending](T value) {
    pending->value = std::move(value);
    pending->timer.cancel();
  };
}

template <class T>
asio::awaitable<T> wait_for(std::shared_ptr<Pending<T>> pending) {
  while (!pending->value) {
    std::error_code ec;
    co_await pending->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return std::move(*pending->value);
}

bool topic_partition_exists(const Broker& broker, const std::string& topic, int32_t partition) {
  const cluster::TopicMetadata* t = broker.metadata().find(topic);
  return t && partition >= 0 && partition < t->partitions;
}

// Each requested partition's error, in request order (OffsetCommit, OffsetDelete): partitions of
// unknown topics are answered at once, the others by the coordinator in the order passed to it.
class PartitionErrors {
 public:
  // Whether tp goes to the coordinator (else it is UNKNOWN_TOPIC_OR_PARTITION).
  bool add(const Broker& broker, const std::string& topic, int32_t partition) {
    if (!topic_partition_exists(broker, topic, partition)) {
      errors_.push_back(ErrorCode::kUnknownTopicOrPartition);
      return false;
    }
    sent_.push_back(errors_.size());
    errors_.push_back(ErrorCode::kNone);
    return true;
  }
  // The coordinator's answers for the partitions add() let through.
  void set_answers(const std::vector<ErrorCode>& answers) {
    for (size_t i = 0; i < answers.size() && i < sent_.size(); ++i) errors_[sent_[i]] = answers[i];
  }
  // The response topics, shaped like the request's.
  template <class ResponseTopic, class RequestTopic>
  std::vector<ResponseTopic> response_topics(const std::vector<RequestTopic>& request_topics) const {
    std::vector<ResponseTopic> out;
    size_t i = 0;
    for (const auto& topic : request_topics) {
      ResponseTopic& t = out.emplace_back();
      t.name = topic.name;
      for (const auto& p : topic.partitions) {
        auto& rp = t.partitions.emplace_back();
        rp.partition_index = p.partition_index;
        rp.error_code = code(errors_[i++]);
      }
    }
    return out;
  }

 private:
  std::vector<ErrorCode> errors_;
  std::vector<size_t> sent_;  // index into errors_ of each partition sent to the coordinator
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string client_host_of(const std::string& connection) {
  // "connection N from ADDRESS:PORT" -> "/ADDRESS", as Kafka prints InetAddress.
  const size_t from = connection.find(" from ");
  const size_t colon = connection.rfind(':');
  if (from == std::string::npos || colon == std::string::npos || colon < from) return "";
  return "/" + connection.substr(from + 6, colon - from - 6);
}

// --- FindCoordinator -------------------------------------------------------------------------------

protocol::FindCoordinatorResponse handle_find_coordinator(Broker& broker,
                                                          const protocol::FindCoordinatorRequest& request,
                                                          int16_t version) {
  const cluster::BrokerConfig& config = broker.config();
  std::string host = "127.0.0.1";
  int32_t port = broker.bound_ports().empty() ? 0 : broker.bound_ports()[0];
  if (!config.advertised_listeners.empty()) {
    const cluster::Listener& l = config.advertised_listeners[0];
    if (!l.host.empty()) host = l.host;
    if (l.port != 0) port = l.port;
  }
  // The coordinator of every key is this node, once the internal topic exists.
  auto lookup = [&](int8_t key_type) -> ErrorCode {
    if (key_type == kTransactionKeyType) return ErrorCode::kNone;
    if (key_type != kGroupKeyType) return ErrorCode::kInvalidRequest;
    if (auto created = broker.groups().ensure_topic(); !created) {
      log(LogLevel::error, "creating {}: {}", group::kOffsetsTopic, created.error().to_string());
      return ErrorCode::kCoordinatorNotAvailable;
    }
    return ErrorCode::kNone;
  };
  protocol::FindCoordinatorResponse response;
  if (version >= kFindCoordinatorFirstBatchedVersion) {
    for (const std::string& key : request.coordinator_keys) {
      protocol::FindCoordinatorResponse::Coordinator c;
      c.key = key;
      const ErrorCode error = lookup(request.key_type);
      c.error_code = code(error);
      c.error_message = std::nullopt;
      c.node_id = error == ErrorCode::kNone ? config.node_id : -1;
      c.host = error == ErrorCode::kNone ? host : "";
      c.port = error == ErrorCode::kNone ? port : -1;
      response.coordinators.push_back(std::move(c));
    }
    return response;
  }
  const ErrorCode error = lookup(request.key_type);
  response.error_code = code(error);
  if (version >= kFindCoordinatorFirstVersionWithErrorMessage) response.error_message = std::nullopt;
  response.node_id = error == ErrorCode::kNone ? config.node_id : -1;
  response.host = error == ErrorCode::kNone ? host : "";
  response.port = error == ErrorCode::kNone ? port : -1;
  return response;
}

// --- JoinGroup, SyncGroup, Heartbeat, LeaveGroup ---------------------------------------------------

asio::awaitable<protocol::JoinGroupResponse> handle_join_group(Broker& broker,
                                                               const protocol::JoinGroupRequest& request,
                                                               int16_t version, const RequestClient& client) {
  group::JoinGroupParams params;
  params.group_id = request.group_id;
  params.member_id = request.member_id;
  params.group_instance_id = request.group_instance_id;
  params.protocol_type = request.protocol_type;
  for (const auto& p : request.protocols) params.protocols.push_back({p.name, p.metadata});
  params.session_timeout_ms = request.session_timeout_ms;
  // v0 has no rebalance timeout: the session timeout is both (Kafka).
  params.rebalance_timeout_ms = version == 0 ? request.session_timeout_ms : request.rebalance_timeout_ms;
  params.client_id = client.client_id;
  params.client_host = client.client_host;
  params.require_known_member_id = version >= kJoinGroupFirstVersionWithKnownMemberId;
  params.supports_skip_assignment = version >= kJoinGroupFirstVersionWithSkipAssignment;
  auto pending = std::make_shared<Pending<group::JoinGroupResult>>(broker.io());
  broker.groups().coordinator().join_group(std::move(params), completer(pending));
  group::JoinGroupResult result = co_await wait_for(pending);

  protocol::JoinGroupResponse response;
  response.error_code = code(result.error);
  response.generation_id = result.generation_id;
  if (version >= kJoinGroupFirstVersionWithProtocolType) {
    response.protocol_type = result.protocol_type;
    response.protocol_name = result.protocol_name;
  } else {
    response.protocol_name = result.protocol_name.value_or("");
  }
  response.leader = result.leader_id;
  response.member_id = result.member_id;
  if (version >= kJoinGroupFirstVersionWithSkipAssignment) response.skip_assignment = result.skip_assignment;
  for (group::JoinedMember& m : result.members) {
    protocol::JoinGroupResponse::JoinGroupResponseMember member;
    member.member_id = std::move(m.member_id);
    if (version >= kJoinGroupFirstVersionWithInstanceId) member.group_instance_id = std::move(m.group_instance_id);
    member.metadata = std::move(m.metadata);
    response.members.push_back(std::move(member));
  }
  co_return response;
}

asio::awaitable<protocol::SyncGroupResponse> handle_sync_group(Broker& broker,
                                                               const protocol::SyncGroupRequest& request,
                                                               int16_t version) {
  group::SyncGroupParams params;
  params.group_id = request.group_id;
  params.member_id = request.member_id;
  params.group_instance_id = request.group_instance_id;
  params.generation_id = request.generation_id;
  params.protocol_type = request.protocol_type;
  params.protocol_name = request.protocol_name;
  for (const auto& a : request.assignments) params.assignments.emplace_back(a.member_id, a.assignment);
  auto pending = std::make_shared<Pending<group::SyncGroupResult>>(broker.io());
  broker.groups().coordinator().sync_group(std::move(params), completer(pending));
  group::SyncGroupResult result = co_await wait_for(pending);

  protocol::SyncGroupResponse response;
  response.error_code = code(result.error);
  if (version >= kSyncGroupFirstVersionWithProtocol) {
    response.protocol_type = result.protocol_type;
    response.protocol_name = result.protocol_name;
  }
  response.assignment = std::move(result.assignment);
  co_return response;
}

protocol::HeartbeatResponse handle_heartbeat(Broker& broker, const protocol::HeartbeatRequest& request, int16_t) {
  protocol::HeartbeatResponse response;
  response.error_code = code(broker.groups().coordinator().heartbeat(request.group_id, request.member_id,
                                                                     request.group_instance_id, request.generation_id));
  return response;
}

protocol::LeaveGroupResponse handle_leave_group(Broker& broker, const protocol::LeaveGroupRequest& request,
                                                int16_t version) {
  std::vector<group::LeavingMember> leaving;
  if (version >= kLeaveGroupFirstBatchedVersion) {
    for (const auto& m : request.members) leaving.push_back({m.member_id, m.group_instance_id});
  } else {
    leaving.push_back({request.member_id, std::nullopt});
  }
  group::LeaveGroupResult result = broker.groups().coordinator().leave_group(request.group_id, leaving);
  protocol::LeaveGroupResponse response;
  response.error_code = code(result.error);
  if (version < kLeaveGroupFirstBatchedVersion) {
    // One member: its error is the response's.
    if (result.error == ErrorCode::kNone && !result.members.empty())
      response.error_code = code(result.members[0].second);
    return response;
  }
  for (const auto& [member, error] : result.members) {
    protocol::LeaveGroupResponse::MemberResponse m;
    m.member_id = member.member_id;
    m.group_instance_id = member.group_instance_id;
    m.error_code = code(error);
    response.members.push_back(std::move(m));
  }
  return response;
}

// --- offsets -------------------------------------------------------------------------------------

asio::awaitable<protocol::OffsetCommitResponse> handle_offset_commit(Broker& broker,
                                                                     const protocol::OffsetCommitRequest& request,
                                                                     int16_t version) {
  group::OffsetCommitParams params;
  params.group_id = request.group_id;
  params.member_id = request.member_id;
  params.group_instance_id = request.group_instance_id;
  params.generation_id = request.generation_id_or_member_epoch;
  params.retention_time_ms = request.retention_time_ms;
  PartitionErrors errors;
  for (const auto& topic : request.topics) {
    for (const auto& p : topic.partitions) {
      if (!errors.add(broker, topic.name, p.partition_index)) continue;
      group::OffsetCommitEntry e;
      e.tp = {topic.name, p.partition_index};
      e.offset = p.committed_offset;
      e.leader_epoch = p.committed_leader_epoch;
      e.metadata = p.committed_metadata;
      if (version == kOffsetCommitOnlyVersionWithCommitTimestamp) e.commit_timestamp_ms = p.commit_timestamp;
      params.offsets.push_back(std::move(e));
    }
  }
  if (!params.offsets.empty()) {
    auto pending = std::make_shared<Pending<std::vector<ErrorCode>>>(broker.io());
    broker.groups().coordinator().commit_offsets(std::move(params), completer(pending));
    std::vector<ErrorCode> committed = co_await wait_for(pending);
    errors.set_answers(committed);
  }
  protocol::OffsetCommitResponse response;
  response.topics = errors.response_topics<protocol::OffsetCommitResponse::OffsetCommitResponseTopic>(request.topics);
  co_return response;
}

namespace {

// One group's offsets: the requested partitions (in request order) or all when `topics` is null.
template <class Topic>
group::OffsetFetchResult fetch_group(Broker& broker, const std::string& group_id,
                                     const std::optional<std::vector<Topic>>& topics, bool require_stable) {
  std::optional<std::vector<group::TopicPartitionKey>> partitions;
  if (topics) {
    partitions.emplace();
    for (const auto& t : *topics) {
      for (int32_t p : t.partition_indexes) partitions->push_back({t.name, p});
    }
  }
  return broker.groups().coordinator().fetch_offsets(group_id, partitions, require_stable);
}

// Fills a response topic list (OffsetFetchResponseTopic or ...Topics) from a fetch result.
template <class TopicT, class PartitionT>
std::vector<TopicT> fetched_topics(const group::OffsetFetchResult& result, int16_t version,
                                   std::optional<ErrorCode> partition_error) {
  std::vector<TopicT> out;
  for (const group::FetchedOffset& f : result.offsets) {
    if (out.empty() || out.back().name != f.tp.topic) {
      out.emplace_back();
      out.back().name = f.tp.topic;
    }
    PartitionT p;
    p.partition_index = f.tp.partition;
    p.committed_offset = f.offset;
    if (version >= kOffsetFetchFirstVersionWithLeaderEpoch) p.committed_leader_epoch = f.leader_epoch;
    p.metadata = f.metadata;
    p.error_code = code(partition_error ? *partition_error : f.error);
    out.back().partitions.push_back(std::move(p));
  }
  return out;
}

}  // namespace

protocol::OffsetFetchResponse handle_offset_fetch(Broker& broker, const protocol::OffsetFetchRequest& request,
                                                  int16_t version) {
  protocol::OffsetFetchResponse response;
  using R = protocol::OffsetFetchResponse;
  if (version >= kOffsetFetchFirstBatchedVersion) {
    for (const auto& g : request.groups) {
      group::OffsetFetchResult result = fetch_group(broker, g.group_id, g.topics, request.require_stable);
      R::OffsetFetchResponseGroup out;
      out.group_id = g.group_id;
      out.error_code = code(result.error);
      if (result.error == ErrorCode::kNone) {
        out.topics = fetched_topics<R::OffsetFetchResponseTopics, R::OffsetFetchResponsePartitions>(result, version,
                                                                                                    std::nullopt);
      }
      response.groups.push_back(std::move(out));
    }
    return response;
  }
  group::OffsetFetchResult result = fetch_group(broker, request.group_id, request.topics, request.require_stable);
  if (result.error != ErrorCode::kNone && request.topics) {
    // The requested partitions carry the group's error (v0/v1 have nothing else).
    for (auto& f : result.offsets) f.error = result.error;
    if (result.offsets.empty()) {
      for (const auto& t : *request.topics) {
        for (int32_t p : t.partition_indexes) result.offsets.push_back({{t.name, p}, -1, -1, "", result.error});
      }
    }
  }
  response.topics =
      fetched_topics<R::OffsetFetchResponseTopic, R::OffsetFetchResponsePartition>(result, version, std::nullopt);
  if (version >= kOffsetFetchFirstVersionWithTopLevelError) response.error_code = code(result.error);
  return response;
}

asio::awaitable<protocol::OffsetDeleteResponse> handle_offset_delete(Broker& broker,
                                                                     const protocol::OffsetDeleteRequest& request,
                                                                     int16_t) {
  std::vector<group::TopicPartitionKey> partitions;
  PartitionErrors errors;
  for (const auto& t : request.topics) {
    for (const auto& p : t.partitions) {
      if (errors.add(broker, t.name, p.partition_index)) partitions.push_back({t.name, p.partition_index});
    }
  }
  auto pending = std::make_shared<Pending<group::OffsetDeleteResult>>(broker.io());
  broker.groups().coordinator().delete_offsets(request.group_id, std::move(partitions), completer(pending));
  group::OffsetDeleteResult result = co_await wait_for(pending);
  protocol::OffsetDeleteResponse response;
  response.error_code = code(result.error);
  if (result.error != ErrorCode::kNone) co_return response;
  errors.set_answers(result.partitions);
  response.topics = errors.response_topics<protocol::OffsetDeleteResponse::OffsetDeleteResponseTopic>(request.topics);
  co_return response;
}

// --- admin ---------------------------------------------------------------------------------------

protocol::ListGroupsResponse handle_list_groups(Broker& broker, const protocol::ListGroupsRequest& request,
                                                int16_t version) {
  protocol::ListGroupsResponse response;
  auto [error, groups] = broker.groups().coordinator().list_groups(request.states_filter);
  response.error_code = code(error);
  // Every group here is a classic group (KIP-848's types filter).
  if (!request.types_filter.empty()) {
    const bool classic = std::any_of(request.types_filter.begin(), request.types_filter.end(),
                                     [](const std::string& t) { return lower(t) == kClassicGroupType; });
    if (!classic) groups.clear();
  }
  for (const group::GroupOverview& g : groups) {
    protocol::ListGroupsResponse::ListedGroup listed;
    listed.group_id = g.group_id;
    listed.protocol_type = g.protocol_type;
    if (version >= kListGroupsFirstVersionWithState) listed.group_state = std::string(group::state_name(g.state));
    if (version >= kListGroupsFirstVersionWithType) listed.group_type = std::string(kClassicGroupType);
    response.groups.push_back(std::move(listed));
  }
  return response;
}

protocol::DescribeGroupsResponse handle_describe_groups(Broker& broker, const protocol::DescribeGroupsRequest& request,
                                                        int16_t version) {
  protocol::DescribeGroupsResponse response;
  for (const std::string& id : request.groups) {
    group::GroupDescription d = broker.groups().coordinator().describe_group(id);
    protocol::DescribeGroupsResponse::DescribedGroup g;
    g.error_code = code(d.error);
    g.group_id = id;
    g.group_state = std::string(group::state_name(d.state));
    g.protocol_type = d.protocol_type;
    g.protocol_data = d.protocol_name;
    for (group::MemberDescription& m : d.members) {
      protocol::DescribeGroupsResponse::DescribedGroupMember member;
      member.member_id = std::move(m.member_id);
      if (version >= kDescribeGroupsFirstVersionWithInstanceId)
        member.group_instance_id = std::move(m.group_instance_id);
      member.client_id = std::move(m.client_id);
      member.client_host = std::move(m.client_host);
      member.member_metadata = std::move(m.metadata);
      member.member_assignment = std::move(m.assignment);
      g.members.push_back(std::move(member));
    }
    if (version >= kDescribeGroupsFirstVersionWithAuthorizedOperations && request.include_authorized_operations) {
      g.authorized_operations = kGroupAuthorizedOperations;
    }
    response.groups.push_back(std::move(g));
  }
  return response;
}

asio::awaitable<protocol::DeleteGroupsResponse> handle_delete_groups(Broker& broker,
                                                                     const protocol::DeleteGroupsRequest& request,
                                                                     int16_t) {
  auto pending = std::make_shared<Pending<std::vector<ErrorCode>>>(broker.io());
  broker.groups().coordinator().delete_groups(request.groups_names, completer(pending));
  std::vector<ErrorCode> errors = co_await wait_for(pending);
  protocol::DeleteGroupsResponse response;
  for (size_t i = 0; i < request.groups_names.size(); ++i) {
    protocol::DeleteGroupsResponse::DeletableGroupResult r;
    r.group_id = request.groups_names[i];
    r.error_code = code(i < errors.size() ? errors[i] : ErrorCode::kUnknownServerError);
    response.results.push_back(std::move(r));
  }
  co_return response;
}

}  // namespace strata::server
