// The coordinator's state machine, driven directly (no broker): a ManualClock for the timeouts
// and an in-memory OffsetsLog that records what would be appended to __consumer_offsets.
#include "group/group_coordinator.h"

#include <gtest/gtest.h>

#include <deque>

namespace strata::group {
namespace {

using namespace std::chrono_literals;

class MemoryLog final : public OffsetsLog {
 public:
  struct Entry {
    int32_t partition;
    OffsetsTopicWrite record;
  };
  void append(int32_t partition, std::vector<OffsetsTopicWrite> records, std::function<void(ErrorCode)> done) override {
    if (fail_next != ErrorCode::kNone) {
      done(std::exchange(fail_next, ErrorCode::kNone));
      return;
    }
    for (auto& r : records) entries.push_back({partition, std::move(r)});
    if (defer) {
      deferred.push_back(std::move(done));
    } else {
      done(ErrorCode::kNone);
    }
  }
  void complete_deferred() {
    while (!deferred.empty()) {
      auto d = std::move(deferred.front());
      deferred.pop_front();
      d(ErrorCode::kNone);
    }
  }
  // Replays every record into `coordinator` as a broker restart would.
  void replay_into(GroupCoordinator& coordinator) const {
    for (const Entry& e : entries) {
      std::optional<bytes_view> value;
      if (e.record.value) value = bytes_view(*e.record.value);
      auto decoded = decode_offsets_record(e.record.key, value);
      ASSERT_TRUE(decoded);
      coordinator.replay(e.partition, *decoded);
    }
  }

  std::vector<Entry> entries;
  bool defer = false;
  std::deque<std::function<void(ErrorCode)>> deferred;
  ErrorCode fail_next = ErrorCode::kNone;
};

struct Joined {
  std::optional<JoinGroupResult> result;
  JoinCallback callback() {
    return [this](JoinGroupResult r) { result = std::move(r); };
  }
};
struct Synced {
  std::optional<SyncGroupResult> result;
  SyncCallback callback() {
    return [this](SyncGroupResult r) { result = std::move(r); };
  }
};

bytes b(std::string_view s) {
  bytes out;
  for (char c : s) out.push_back(static_cast<std::byte>(c));
  return out;
}

class GroupCoordinatorTest : public ::testing::Test {
 protected:
  GroupCoordinatorTest() { recreate(); }

  void recreate() {
    CoordinatorConfig config;
    config.initial_rebalance_delay_ms = 100;
    config.offsets_retention_ms = 60'000;
    config.offsets_retention_check_interval_ms = 1000;
    coordinator = std::make_unique<GroupCoordinator>(config, log, clock);
  }

  JoinGroupParams params(std::string member_id, std::vector<Protocol> protocols = {{"range", b("r")}}) {
    JoinGroupParams p;
    p.group_id = "g";
    p.member_id = std::move(member_id);
    p.protocol_type = "consumer";
    p.protocols = std::move(protocols);
    p.session_timeout_ms = 10'000;
    p.rebalance_timeout_ms = 30'000;
    p.client_id = "client";
    p.client_host = "/127.0.0.1";
    p.require_known_member_id = true;
    return p;
  }

  // MEMBER_ID_REQUIRED, then the real join (held until the rebalance completes).
  std::string join_new(Joined& joined, std::vector<Protocol> protocols = {{"range", b("r")}}) {
    Joined first;
    coordinator->join_group(params("", protocols), first.callback());
    EXPECT_TRUE(first.result);
    EXPECT_EQ(first.result->error, ErrorCode::kMemberIdRequired);
    const std::string id = first.result->member_id;
    EXPECT_TRUE(id.starts_with("client-")) << id;
    coordinator->join_group(params(id, protocols), joined.callback());
    return id;
  }

  void advance(std::chrono::milliseconds d) {
    clock.advance(d);
    coordinator->tick();
  }

  ErrorCode sync(const std::string& member, int32_t generation, std::vector<std::pair<std::string, bytes>> assignments,
                 Synced& synced) {
    SyncGroupParams p;
    p.group_id = "g";
    p.member_id = member;
    p.generation_id = generation;
    p.assignments = std::move(assignments);
    coordinator->sync_group(std::move(p), synced.callback());
    return synced.result ? synced.result->error : ErrorCode::kNone;
  }

  std::vector<ErrorCode> commit(const std::string& member, int32_t generation, int64_t offset,
                                std::string topic = "t") {
    OffsetCommitParams p;
    p.group_id = "g";
    p.member_id = member;
    p.generation_id = generation;
    p.offsets.push_back({{std::move(topic), 0}, offset, -1, "m", -1});
    std::vector<ErrorCode> out;
    coordinator->commit_offsets(std::move(p), [&](std::vector<ErrorCode> e) { out = std::move(e); });
    return out;
  }

  ManualClock clock;
  MemoryLog log;
  std::unique_ptr<GroupCoordinator> coordinator;
};

TEST_F(GroupCoordinatorTest, FirstMemberWaitsForTheInitialDelayThenLeadsAndSyncs) {
  Joined joined;
  const std::string id = join_new(joined);
  EXPECT_FALSE(joined.result) << "held for group.initial.rebalance.delay.ms";
  EXPECT_EQ(coordinator->group_state("g"), GroupState::preparing_rebalance);
  advance(50ms);
  EXPECT_FALSE(joined.result);
  advance(60ms);
  ASSERT_TRUE(joined.result);
  EXPECT_EQ(joined.result->error, ErrorCode::kNone);
  EXPECT_EQ(joined.result->generation_id, 1);
  EXPECT_EQ(joined.result->leader_id, id);
  EXPECT_EQ(joined.result->protocol_name, "range");
  ASSERT_EQ(joined.result->members.size(), 1u);
  EXPECT_EQ(joined.result->members[0].metadata, b("r"));
  EXPECT_EQ(coordinator->group_state("g"), GroupState::completing_rebalance);

  Synced synced;
  EXPECT_EQ(sync(id, 1, {{id, b("assignment")}}, synced), ErrorCode::kNone);
  ASSERT_TRUE(synced.result);
  EXPECT_EQ(synced.result->assignment, b("assignment"));
  EXPECT_EQ(coordinator->group_state("g"), GroupState::stable);
  // The group was stored (GroupMetadataKey version 2) before the answer.
  ASSERT_FALSE(log.entries.empty());
  EXPECT_EQ(log.entries.back().record.key[1], std::byte{2});
  EXPECT_EQ(log.entries.back().partition, partition_for("g", 50));
}

TEST_F(GroupCoordinatorTest, SecondMemberTriggersRebalanceAndTheCommonProtocolWins) {
  Joined a;
  const std::string id_a = join_new(a, {{"range", b("ra")}, {"roundrobin", b("rra")}});
  advance(150ms);
  ASSERT_TRUE(a.result);
  Synced sa;
  sync(id_a, 1, {{id_a, b("A1")}}, sa);
  ASSERT_EQ(coordinator->group_state("g"), GroupState::stable);

  Joined b_joined;
  const std::string id_b = join_new(b_joined, {{"roundrobin", b("rrb")}});
  EXPECT_EQ(coordinator->group_state("g"), GroupState::preparing_rebalance);
  EXPECT_FALSE(b_joined.result);
  EXPECT_EQ(coordinator->heartbeat("g", id_a, std::nullopt, 1), ErrorCode::kRebalanceInProgress);
  Joined a2;
  coordinator->join_group(params(id_a, {{"range", b("ra")}, {"roundrobin", b("rra")}}), a2.callback());
  // Everyone rejoined: the join completes at once, without waiting for the timeout.
  ASSERT_TRUE(a2.result);
  ASSERT_TRUE(b_joined.result);
  EXPECT_EQ(a2.result->generation_id, 2);
  EXPECT_EQ(a2.result->protocol_name, "roundrobin");
  EXPECT_EQ(a2.result->leader_id, id_a);
  EXPECT_EQ(a2.result->members.size(), 2u);
  EXPECT_TRUE(b_joined.result->members.empty()) << "only the leader gets the members";

  Synced sb;
  sync(id_b, 2, {}, sb);
  EXPECT_FALSE(sb.result) << "a follower waits for the leader's assignment";
  Synced sa2;
  sync(id_a, 2, {{id_a, b("A2")}, {id_b, b("B2")}}, sa2);
  ASSERT_TRUE(sb.result);
  EXPECT_EQ(sb.result->assignment, b("B2"));
  EXPECT_EQ(sa2.result->assignment, b("A2"));
  EXPECT_EQ(coordinator->heartbeat("g", id_b, std::nullopt, 1), ErrorCode::kIllegalGeneration);
  EXPECT_EQ(coordinator->heartbeat("g", "nobody", std::nullopt, 2), ErrorCode::kUnknownMemberId);
  EXPECT_EQ(coordinator->heartbeat("g", id_b, std::nullopt, 2), ErrorCode::kNone);
}

TEST_F(GroupCoordinatorTest, MemberThatMissesTheRebalanceTimeoutIsRemoved) {
  Joined a;
  const std::string id_a = join_new(a);
  advance(150ms);
  Synced sa;
  sync(id_a, 1, {{id_a, b("A")}}, sa);
  Joined b_joined;
  const std::string id_b = join_new(b_joined);
  // a keeps heartbeating but never rejoins: after the rebalance timeout (30 s) it is out.
  for (int i = 0; i < 31; ++i) {
    coordinator->heartbeat("g", id_a, std::nullopt, 1);
    advance(1000ms);
  }
  ASSERT_TRUE(b_joined.result);
  EXPECT_EQ(b_joined.result->generation_id, 2);
  EXPECT_EQ(b_joined.result->leader_id, id_b);
  EXPECT_EQ(coordinator->heartbeat("g", id_a, std::nullopt, 2), ErrorCode::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, SessionTimeoutRemovesASilentMember) {
  Joined a;
  const std::string id_a = join_new(a);
  advance(150ms);
  Synced sa;
  sync(id_a, 1, {{id_a, b("A")}}, sa);
  commit(id_a, 1, 5);  // an empty group without offsets would be removed by the expiry check
  advance(9000ms);
  EXPECT_EQ(coordinator->group_state("g"), GroupState::stable);
  advance(1100ms);
  // The only member expired: the group rebalances to an empty generation.
  EXPECT_EQ(coordinator->group_state("g"), GroupState::empty);
  EXPECT_EQ(coordinator->generation("g"), 2);
}

TEST_F(GroupCoordinatorTest, LeaveGroupRebalancesTheRest) {
  Joined a, b_joined;
  const std::string id_a = join_new(a);
  const std::string id_b = join_new(b_joined);
  advance(150ms);
  EXPECT_FALSE(a.result) << "a new member arrived during the initial delay: it is extended once more";
  advance(100ms);
  ASSERT_TRUE(a.result && b_joined.result);
  EXPECT_EQ(a.result->generation_id, 1) << "both arrived within the initial delay: one rebalance";
  Synced sa, sb;
  sync(id_b, 1, {}, sb);
  sync(a.result->leader_id, 1, {{id_a, b("A")}, {id_b, b("B")}}, a.result->leader_id == id_a ? sa : sb);
  ASSERT_EQ(coordinator->group_state("g"), GroupState::stable);
  auto left = coordinator->leave_group("g", {{id_b, std::nullopt}, {"ghost", std::nullopt}});
  EXPECT_EQ(left.error, ErrorCode::kNone);
  ASSERT_EQ(left.members.size(), 2u);
  EXPECT_EQ(left.members[0].second, ErrorCode::kNone);
  EXPECT_EQ(left.members[1].second, ErrorCode::kUnknownMemberId);
  EXPECT_EQ(coordinator->group_state("g"), GroupState::preparing_rebalance);
  Joined a2;
  coordinator->join_group(params(id_a), a2.callback());
  ASSERT_TRUE(a2.result);
  EXPECT_EQ(a2.result->generation_id, 2);
  EXPECT_EQ(a2.result->members.size(), 1u);
}

TEST_F(GroupCoordinatorTest, JoinValidation) {
  Joined j;
  auto p = params("");
  p.session_timeout_ms = 10;
  coordinator->join_group(p, j.callback());
  EXPECT_EQ(j.result->error, ErrorCode::kInvalidSessionTimeout);
  Joined unknown;
  coordinator->join_group(params("not-a-member"), unknown.callback());
  EXPECT_EQ(unknown.result->error, ErrorCode::kUnknownMemberId);
  Joined empty_id;
  auto q = params("");
  q.group_id = "";
  coordinator->join_group(q, empty_id.callback());
  EXPECT_EQ(empty_id.result->error, ErrorCode::kInvalidGroupId);

  Joined a;
  join_new(a);
  advance(150ms);
  Joined other;
  auto r = params("");
  r.protocol_type = "connect";
  coordinator->join_group(r, other.callback());
  EXPECT_EQ(other.result->error, ErrorCode::kInconsistentGroupProtocol);
  Joined no_common;
  coordinator->join_group(params("", {{"sticky", b("s")}}), no_common.callback());
  EXPECT_EQ(no_common.result->error, ErrorCode::kInconsistentGroupProtocol);
}

TEST_F(GroupCoordinatorTest, GroupMaxSize) {
  CoordinatorConfig config;
  config.initial_rebalance_delay_ms = 100;
  config.max_size = 1;
  coordinator = std::make_unique<GroupCoordinator>(config, log, clock);
  Joined a;
  join_new(a);
  advance(150ms);
  Synced sa;
  sync(a.result->member_id, 1, {}, sa);
  Joined b_joined;
  auto p = params("");
  p.require_known_member_id = false;
  coordinator->join_group(p, b_joined.callback());
  ASSERT_TRUE(b_joined.result);
  EXPECT_EQ(b_joined.result->error, ErrorCode::kGroupMaxSizeReached);
}

TEST_F(GroupCoordinatorTest, StaticMemberRejoinsWithoutRebalance) {
  auto p = params("");
  p.group_instance_id = "instance-1";
  Joined a;
  coordinator->join_group(p, a.callback());
  advance(150ms);
  ASSERT_TRUE(a.result);
  const std::string old_id = a.result->member_id;
  EXPECT_TRUE(old_id.starts_with("instance-1-"));
  Synced sa;
  sync(old_id, 1, {{old_id, b("A")}}, sa);
  ASSERT_EQ(coordinator->group_state("g"), GroupState::stable);

  // The same instance restarts (a new member id) with the same subscription.
  Joined again;
  coordinator->join_group(p, again.callback());
  ASSERT_TRUE(again.result);
  EXPECT_EQ(again.result->error, ErrorCode::kNone);
  EXPECT_EQ(again.result->generation_id, 1) << "no rebalance";
  EXPECT_NE(again.result->member_id, old_id);
  EXPECT_EQ(coordinator->group_state("g"), GroupState::stable);
  Synced s2;
  SyncGroupParams sp;
  sp.group_id = "g";
  sp.member_id = again.result->member_id;
  sp.group_instance_id = "instance-1";
  sp.generation_id = 1;
  coordinator->sync_group(sp, s2.callback());
  ASSERT_TRUE(s2.result);
  EXPECT_EQ(s2.result->assignment, b("A")) << "the instance keeps its assignment";
  // The old member id is fenced.
  EXPECT_EQ(coordinator->heartbeat("g", old_id, std::string("instance-1"), 1), ErrorCode::kFencedInstanceId);
  // An administrator removes it by instance id.
  auto left = coordinator->leave_group("g", {{"", std::string("instance-1")}});
  EXPECT_EQ(left.members[0].second, ErrorCode::kNone);
}

TEST_F(GroupCoordinatorTest, OffsetCommitChecksMembershipAndFetchReturnsCommits) {
  // Outside group management (generation -1): an Empty group that only stores offsets.
  EXPECT_EQ(commit("", -1, 10), std::vector<ErrorCode>{ErrorCode::kNone});
  EXPECT_EQ(coordinator->group_state("g"), GroupState::empty);
  auto fetched = coordinator->fetch_offsets("g", std::vector<TopicPartitionKey>{{"t", 0}, {"t", 1}}, false);
  ASSERT_EQ(fetched.offsets.size(), 2u);
  EXPECT_EQ(fetched.offsets[0].offset, 10);
  EXPECT_EQ(fetched.offsets[0].metadata, "m");
  EXPECT_EQ(fetched.offsets[1].offset, -1);
  EXPECT_EQ(coordinator->fetch_offsets("g", std::nullopt, false).offsets.size(), 1u);

  Joined a;
  const std::string id = join_new(a);
  advance(150ms);
  Synced sa;
  sync(id, 1, {}, sa);
  EXPECT_EQ(commit(id, 1, 20), std::vector<ErrorCode>{ErrorCode::kNone});
  EXPECT_EQ(commit(id, 0, 21), std::vector<ErrorCode>{ErrorCode::kIllegalGeneration});
  EXPECT_EQ(commit("stranger", 1, 22), std::vector<ErrorCode>{ErrorCode::kUnknownMemberId});
  EXPECT_EQ(commit("", -1, 23), std::vector<ErrorCode>{ErrorCode::kUnknownMemberId}) << "the group is active";
  EXPECT_EQ(coordinator->fetch_offsets("g", std::nullopt, false).offsets[0].offset, 20);
  EXPECT_EQ(commit("", 5, 1, "t"), std::vector<ErrorCode>{ErrorCode::kUnknownMemberId});

  OffsetCommitParams big;
  big.group_id = "g";
  big.member_id = id;
  big.generation_id = 1;
  big.offsets.push_back({{"t", 0}, 1, -1, std::string(5000, 'x'), -1});
  std::vector<ErrorCode> errors;
  coordinator->commit_offsets(big, [&](std::vector<ErrorCode> e) { errors = e; });
  EXPECT_EQ(errors, std::vector<ErrorCode>{ErrorCode::kOffsetMetadataTooLarge});

  OffsetCommitParams unknown_group;
  unknown_group.group_id = "other";
  unknown_group.generation_id = 3;
  unknown_group.member_id = "m";
  unknown_group.offsets.push_back({{"t", 0}, 1, -1, std::nullopt, -1});
  coordinator->commit_offsets(unknown_group, [&](std::vector<ErrorCode> e) { errors = e; });
  EXPECT_EQ(errors, std::vector<ErrorCode>{ErrorCode::kIllegalGeneration});
}

TEST_F(GroupCoordinatorTest, CommitAnswersOnlyAfterTheAppendAndRequireStableSeesItPending) {
  log.defer = true;
  std::vector<ErrorCode> errors;
  OffsetCommitParams p;
  p.group_id = "g";
  p.offsets.push_back({{"t", 0}, 7, -1, std::nullopt, -1});
  coordinator->commit_offsets(p, [&](std::vector<ErrorCode> e) { errors = e; });
  EXPECT_TRUE(errors.empty());
  auto pending = coordinator->fetch_offsets("g", std::vector<TopicPartitionKey>{{"t", 0}}, true);
  EXPECT_EQ(pending.offsets[0].error, ErrorCode::kUnstableOffsetCommit);
  EXPECT_EQ(coordinator->fetch_offsets("g", std::vector<TopicPartitionKey>{{"t", 0}}, false).offsets[0].offset, -1);
  log.complete_deferred();
  EXPECT_EQ(errors, std::vector<ErrorCode>{ErrorCode::kNone});
  EXPECT_EQ(coordinator->fetch_offsets("g", std::vector<TopicPartitionKey>{{"t", 0}}, true).offsets[0].offset, 7);

  log.defer = false;
  log.fail_next = ErrorCode::kNotCoordinator;
  p.offsets[0].offset = 8;
  coordinator->commit_offsets(p, [&](std::vector<ErrorCode> e) { errors = e; });
  EXPECT_EQ(errors, std::vector<ErrorCode>{ErrorCode::kNotCoordinator});
  EXPECT_EQ(coordinator->fetch_offsets("g", std::nullopt, false).offsets[0].offset, 7)
      << "a failed append changes nothing";
}

TEST_F(GroupCoordinatorTest, ReplayRestoresGroupsAndOffsets) {
  Joined a;
  const std::string id = join_new(a);
  advance(150ms);
  Synced sa;
  sync(id, 1, {{id, b("A")}}, sa);
  commit(id, 1, 42);
  EXPECT_EQ(commit("", -1, 5, "x"), std::vector<ErrorCode>{ErrorCode::kUnknownMemberId});

  recreate();
  const int32_t partition = coordinator->partition_of("g");
  coordinator->begin_loading(partition);
  EXPECT_EQ(coordinator->fetch_offsets("g", std::nullopt, false).error, ErrorCode::kCoordinatorLoadInProgress);
  Joined during;
  coordinator->join_group(params(""), during.callback());
  EXPECT_EQ(during.result->error, ErrorCode::kCoordinatorLoadInProgress);
  log.replay_into(*coordinator);
  coordinator->finish_loading(partition);
  EXPECT_EQ(coordinator->group_state("g"), GroupState::stable);
  EXPECT_EQ(coordinator->generation("g"), 1);
  EXPECT_EQ(coordinator->fetch_offsets("g", std::nullopt, false).offsets[0].offset, 42);
  // The loaded member is still a member (it heartbeats) until its session times out.
  EXPECT_EQ(coordinator->heartbeat("g", id, std::nullopt, 1), ErrorCode::kNone);
  auto described = coordinator->describe_group("g");
  ASSERT_EQ(described.members.size(), 1u);
  EXPECT_EQ(described.members[0].assignment, b("A"));
  EXPECT_EQ(described.protocol_name, "range");
}

TEST_F(GroupCoordinatorTest, OffsetsOfAnEmptyGroupExpireAndTheGroupGoes) {
  commit("", -1, 1);
  ASSERT_EQ(coordinator->group_count(), 1u);
  advance(30'000ms);
  EXPECT_EQ(coordinator->fetch_offsets("g", std::nullopt, false).offsets.size(), 1u);
  advance(31'000ms);
  EXPECT_TRUE(coordinator->fetch_offsets("g", std::nullopt, false).offsets.empty());
  EXPECT_EQ(coordinator->group_count(), 0u);
  // Tombstones for the offset and the group were written.
  ASSERT_GE(log.entries.size(), 3u);
  EXPECT_FALSE(log.entries[log.entries.size() - 1].record.value);
  EXPECT_FALSE(log.entries[log.entries.size() - 2].record.value);
}

TEST_F(GroupCoordinatorTest, DeleteGroupsAndListAndDescribe) {
  commit("", -1, 1);
  Joined a;
  JoinGroupParams p = params("");
  p.group_id = "active";
  p.require_known_member_id = false;
  coordinator->join_group(p, a.callback());
  advance(150ms);
  ASSERT_TRUE(a.result);

  auto [error, all] = coordinator->list_groups({});
  EXPECT_EQ(error, ErrorCode::kNone);
  EXPECT_EQ(all.size(), 2u);
  auto [e2, completing] = coordinator->list_groups({"completingrebalance"});
  ASSERT_EQ(completing.size(), 1u);
  EXPECT_EQ(completing[0].group_id, "active");
  EXPECT_EQ(coordinator->describe_group("nope").state, GroupState::dead);
  EXPECT_EQ(coordinator->describe_group("active").members.size(), 1u);

  std::vector<ErrorCode> errors;
  coordinator->delete_groups({"g", "active", "nope", ""}, [&](std::vector<ErrorCode> e) { errors = e; });
  EXPECT_EQ(errors, (std::vector<ErrorCode>{ErrorCode::kNone, ErrorCode::kNonEmptyGroup, ErrorCode::kGroupIdNotFound,
                                            ErrorCode::kInvalidGroupId}));
  EXPECT_FALSE(coordinator->group_state("g"));
  EXPECT_TRUE(coordinator->fetch_offsets("g", std::nullopt, false).offsets.empty());
}

TEST_F(GroupCoordinatorTest, OffsetDeleteRefusesSubscribedTopics) {
  // A consumer subscription (ConsumerProtocolSubscription v0: topics ["t"], null user data).
  const bytes subscription = {std::byte{0},    std::byte{0},    std::byte{0},   std::byte{0},   std::byte{0},
                              std::byte{1},    std::byte{0},    std::byte{1},   std::byte{'t'}, std::byte{0xFF},
                              std::byte{0xFF}, std::byte{0xFF}, std::byte{0xFF}};
  Joined a;
  const std::string id = join_new(a, {{"range", subscription}});
  advance(150ms);
  Synced sa;
  sync(id, 1, {}, sa);
  commit(id, 1, 3, "t");
  commit(id, 1, 4, "u");
  OffsetDeleteResult result;
  coordinator->delete_offsets("g", {{"t", 0}, {"u", 0}}, [&](OffsetDeleteResult r) { result = r; });
  EXPECT_EQ(result.error, ErrorCode::kNone);
  EXPECT_EQ(result.partitions, (std::vector<ErrorCode>{ErrorCode::kGroupSubscribedToTopic, ErrorCode::kNone}));
  EXPECT_EQ(coordinator->fetch_offsets("g", std::nullopt, false).offsets.size(), 1u);
  coordinator->delete_offsets("missing", {{"t", 0}}, [&](OffsetDeleteResult r) { result = r; });
  EXPECT_EQ(result.error, ErrorCode::kGroupIdNotFound);
}

TEST_F(GroupCoordinatorTest, DeletingATopicDeletesItsOffsets) {
  commit("", -1, 1, "gone");
  commit("", -1, 2, "kept");
  OffsetCommitParams other;
  other.group_id = "only-gone";
  other.offsets.push_back({{"gone", 3}, 9, -1, std::nullopt, -1});
  coordinator->commit_offsets(other, [](std::vector<ErrorCode>) {});
  const size_t before = log.entries.size();
  coordinator->topic_deleted("gone");
  auto left = coordinator->fetch_offsets("g", std::nullopt, false).offsets;
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].tp.topic, "kept");
  EXPECT_FALSE(coordinator->group_state("only-gone")) << "an empty group without offsets goes";
  // Tombstones: g's offset; only-gone's offset and the group itself.
  ASSERT_EQ(log.entries.size(), before + 3);
  for (size_t i = before; i < log.entries.size(); ++i) EXPECT_FALSE(log.entries[i].record.value);
}

TEST_F(GroupCoordinatorTest, ShutdownAnswersWaitingJoins) {
  Joined a;
  join_new(a);
  EXPECT_FALSE(a.result);
  coordinator->shutdown();
  ASSERT_TRUE(a.result);
  EXPECT_EQ(a.result->error, ErrorCode::kNotCoordinator);
}

}  // namespace
}  // namespace strata::group
