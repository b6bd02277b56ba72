// The group coordinator of the classic consumer group protocol, after Kafka's GroupCoordinator,
// GroupMetadata and GroupMetadataManager: groups with Kafka's state machine, their members, the
// rebalance (JoinGroup held until every member rejoined or the rebalance timeout passed, then
// SyncGroup distributing the leader's assignment), session timeouts, static membership (KIP-345),
// and the committed offsets, all persisted in `__consumer_offsets` (offsets_records.h).
//
//   Empty --join--> PreparingRebalance --all joined / timeout--> CompletingRebalance
//     ^                 ^      |                                      | leader's SyncGroup stored
//     |                 |      +--no member left--> Empty             v
//     +--last leaves----+------- join / leave / session expiry --- Stable
//   Dead: deleted (DeleteGroups, or expired offsets of an empty group); removed from the map.
//
// The coordinator is synchronous and single-threaded (the broker's event loop owns it). Answers
// that must wait (JoinGroup until the rebalance completes, SyncGroup until the leader's assignment
// is stored, commits until their append) are callbacks, called exactly once, possibly before the
// call returns. Time comes from a Clock; the owner calls tick() often (timeouts are checked
// there, so their resolution is the tick interval). Appends go through OffsetsLog.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "group/offsets_records.h"
#include "protocol/generated/error_codes.h"

namespace strata::group {

using protocol::ErrorCode;

struct CoordinatorConfig {
  int32_t offsets_topic_partitions = 50;
  int64_t initial_rebalance_delay_ms = 3000;
  int32_t min_session_timeout_ms = 6000;
  int32_t max_session_timeout_ms = 1'800'000;
  int32_t max_size = INT32_MAX;
  int64_t offsets_retention_ms = 10080LL * 60 * 1000;
  int64_t offsets_retention_check_interval_ms = 600'000;
  int32_t offset_metadata_max_bytes = 4096;
};

// One record to append to __consumer_offsets (value nullopt: a tombstone).
struct OffsetsTopicWrite {
  bytes key;
  std::optional<bytes> value;
};

// Where the coordinator's records go: the server appends them to the partition of
// __consumer_offsets (creating the topic when needed) and calls `done` once they are appended
// (and flushed when the topic's config says so), with NONE or the error to answer.
class OffsetsLog {
 public:
  virtual ~OffsetsLog() = default;
  virtual void append(int32_t partition, std::vector<OffsetsTopicWrite> records,
                      std::function<void(ErrorCode)> done) = 0;
};

enum class GroupState { empty, preparing_rebalance, completing_rebalance, stable, dead };
// Kafka's names ("Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead").
std::string_view state_name(GroupState state);

struct Protocol {
  std::string name;
  bytes metadata;
};

// --- JoinGroup ---------------------------------------------------------------------------------
struct JoinGroupParams {
  std::string group_id;
  std::string member_id;  // "" for a new member
  std::optional<std::string> group_instance_id;
  std::string protocol_type;
  std::vector<Protocol> protocols;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string client_id;
  std::string client_host;
  bool require_known_member_id = false;   // JoinGroup v4+
  bool supports_skip_assignment = false;  // JoinGroup v9+ (KIP-814)
};
struct JoinedMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  bytes metadata;
};
struct JoinGroupResult {
  ErrorCode error = ErrorCode::kNone;
  int32_t generation_id = -1;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::string leader_id;
  std::string member_id;
  std::vector<JoinedMember> members;  // the leader's answer only
  bool skip_assignment = false;
};
using JoinCallback = std::function<void(JoinGroupResult)>;

// --- SyncGroup ---------------------------------------------------------------------------------
struct SyncGroupParams {
  std::string group_id;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  int32_t generation_id = -1;
  std::optional<std::string> protocol_type;  // v5+
  std::optional<std::string> protocol_name;  // v5+
  std::vector<std::pair<std::string, bytes>> assignments;
};
struct SyncGroupResult {
  ErrorCode error = ErrorCode::kNone;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  bytes assignment;
};
using SyncCallback = std::function<void(SyncGroupResult)>;

// --- LeaveGroup --------------------------------------------------------------------------------
struct LeavingMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
};
struct LeaveGroupResult {
  ErrorCode error = ErrorCode::kNone;
  std::vector<std::pair<LeavingMember, ErrorCode>> members;
};

// --- offsets -----------------------------------------------------------------------------------
struct TopicPartitionKey {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartitionKey&) const = default;
};
struct OffsetCommitEntry {
  TopicPartitionKey tp;
  int64_t offset = 0;
  int32_t leader_epoch = -1;
  std::optional<std::string> metadata;
  int64_t commit_timestamp_ms = -1;  // v1 only; -1: now
};
struct OffsetCommitParams {
  std::string group_id;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  int32_t generation_id = -1;
  int64_t retention_time_ms = -1;  // v2-v4; -1: the broker's offsets.retention.minutes
  std::vector<OffsetCommitEntry> offsets;
};
// One error per entry of params.offsets, in order.
using CommitCallback = std::function<void(std::vector<ErrorCode>)>;

struct FetchedOffset {
  TopicPartitionKey tp;
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  ErrorCode error = ErrorCode::kNone;
};
struct OffsetFetchResult {
  ErrorCode error = ErrorCode::kNone;  // for the whole group
  std::vector<FetchedOffset> offsets;
};

// --- admin -------------------------------------------------------------------------------------
struct GroupOverview {
  std::string group_id;
  std::string protocol_type;
  GroupState state = GroupState::empty;
};
struct MemberDescription {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  bytes metadata;
  bytes assignment;
};
struct GroupDescription {
  ErrorCode error = ErrorCode::kNone;
  std::string group_id;
  GroupState state = GroupState::dead;
  std::string protocol_type;
  std::string protocol_name;  // when Stable
  std::vector<MemberDescription> members;
};
using GroupErrorsCallback = std::function<void(std::vector<ErrorCode>)>;
struct OffsetDeleteResult {
  ErrorCode error = ErrorCode::kNone;
  std::vector<ErrorCode> partitions;  // per requested partition
};
using OffsetDeleteCallback = std::function<void(OffsetDeleteResult)>;

class GroupCoordinator {
 public:
  GroupCoordinator(CoordinatorConfig config, OffsetsLog& log, Clock& clock = system_clock());
  ~GroupCoordinator();
  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  const CoordinatorConfig& config() const { return config_; }
  int32_t partition_of(std::string_view group_id) const;

  // Loading (the owner reads __consumer_offsets): while a partition loads, its groups answer
  // COORDINATOR_LOAD_IN_PROGRESS. replay() applies one record in log order.
  void begin_loading(int32_t partition);
  void replay(int32_t partition, const OffsetsTopicRecord& record);
  void finish_loading(int32_t partition);
  bool loading(int32_t partition) const { return loading_.contains(partition); }

  void join_group(JoinGroupParams params, JoinCallback done);
  void sync_group(SyncGroupParams params, SyncCallback done);
  ErrorCode heartbeat(const std::string& group_id, const std::string& member_id,
                      const std::optional<std::string>& group_instance_id, int32_t generation_id);
  LeaveGroupResult leave_group(const std::string& group_id, const std::vector<LeavingMember>& members);

  void commit_offsets(OffsetCommitParams params, CommitCallback done);
  // `topics` nullopt: every committed partition of the group.
  OffsetFetchResult fetch_offsets(const std::string& group_id,
                                  const std::optional<std::vector<TopicPartitionKey>>& partitions, bool require_stable);
  void delete_offsets(const std::string& group_id, std::vector<TopicPartitionKey> partitions,
                      OffsetDeleteCallback done);

  // A topic was deleted: every group's offsets of it go (tombstones), and empty groups left
  // without offsets with them (Kafka's handling of deleted partitions).
  void topic_deleted(const std::string& topic);

  // ListGroups: states (Kafka's names, case-insensitive) filter when non-empty.
  std::pair<ErrorCode, std::vector<GroupOverview>> list_groups(const std::vector<std::string>& states) const;
  GroupDescription describe_group(const std::string& group_id) const;
  void delete_groups(const std::vector<std::string>& group_ids, GroupErrorsCallback done);

  // Session and rebalance timeouts, expired offsets. Call every few tens of milliseconds.
  void tick();
  // Completes every waiting JoinGroup/SyncGroup with NOT_COORDINATOR (broker shutdown).
  void shutdown();

  // For tests.
  std::optional<GroupState> group_state(const std::string& group_id) const;
  int32_t generation(const std::string& group_id) const;
  size_t group_count() const { return groups_.size(); }

 private:
  struct Member;
  struct Group;

  // INVALID_GROUP_ID, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE (stopped) or NONE.
  ErrorCode check_group_id(const std::string& group_id) const;
  Group* find(const std::string& group_id) const;
  // The ids of every group, for walks that may remove groups.
  std::vector<std::string> group_ids() const;
  Group& get_or_create(const std::string& group_id);
  std::string new_member_id(const std::string& prefix);

  void join_new_member(Group& group, JoinGroupParams params, JoinCallback done);
  void join_static_member(Group& group, JoinGroupParams params, std::string new_member_id, JoinCallback done);
  void join_current_member(Group& group, JoinGroupParams params, JoinCallback done);
  void add_member_and_rebalance(Group& group, JoinGroupParams params, std::string member_id, JoinCallback done);
  void update_member_and_rebalance(Group& group, Member& member, JoinGroupParams params, JoinCallback done);
  void maybe_prepare_rebalance(Group& group);
  void prepare_rebalance(Group& group);
  void try_complete_join(Group& group);
  void complete_join(Group& group);
  JoinGroupResult join_result_for(const Group& group, const Member& member, bool with_members) const;
  void remove_member(Group& group, const std::string& member_id, ErrorCode join_error);
  void member_left(Group& group);  // after a removal: rebalance / complete the join
  void reset_and_propagate_sync_error(Group& group, ErrorCode error);
  void propagate_assignment(Group& group);
  void transition(Group& group, GroupState state);
  void store_group(Group& group, std::function<void(ErrorCode)> done);
  void heartbeat_member(Member& member);
  void expire_offsets();
  void remove_group(const std::string& group_id);

  CoordinatorConfig config_;
  OffsetsLog& log_;
  Clock& clock_;
  std::map<std::string, std::unique_ptr<Group>> groups_;
  std::set<int32_t> loading_;
  std::mt19937_64 random_;
  Clock::MonotonicTime next_expiry_check_{};
  bool stopped_ = false;
};

}  // namespace strata::group
