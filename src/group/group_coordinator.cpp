#include "group/group_coordinator.h"

#include <fmt/format.h>

#include "group/classic_group.h"

namespace strata::group {

std::string_view state_name(GroupState state) {
  switch (state) {
    case GroupState::empty: return "Empty";
    case GroupState::preparing_rebalance: return "PreparingRebalance";
    case GroupState::completing_rebalance: return "CompletingRebalance";
    case GroupState::stable: return "Stable";
    case GroupState::dead: return "Dead";
  }
  return "Unknown";
}

GroupCoordinator::GroupCoordinator(CoordinatorConfig config, OffsetsLog& log, Clock& clock)
    : config_(config), log_(log), clock_(clock), random_(std::random_device{}()) {
  next_expiry_check_ = clock_.now_monotonic() + std::chrono::milliseconds(config_.offsets_retention_check_interval_ms);
}

GroupCoordinator::~GroupCoordinator() = default;

int32_t GroupCoordinator::partition_of(std::string_view group_id) const {
  return partition_for(group_id, config_.offsets_topic_partitions);
}

ErrorCode GroupCoordinator::check_group_id(const std::string& group_id) const {
  if (stopped_) return ErrorCode::kCoordinatorNotAvailable;
  if (group_id.empty()) return ErrorCode::kInvalidGroupId;
  if (loading(partition_of(group_id))) return ErrorCode::kCoordinatorLoadInProgress;
  return ErrorCode::kNone;
}

GroupCoordinator::Group* GroupCoordinator::find(const std::string& group_id) const {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : it->second.get();
}

std::vector<std::string> GroupCoordinator::group_ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, group] : groups_) ids.push_back(id);
  return ids;
}

GroupCoordinator::Group& GroupCoordinator::get_or_create(const std::string& group_id) {
  auto& slot = groups_[group_id];
  if (!slot) {
    slot = std::make_unique<Group>();
    slot->id = group_id;
    slot->partition = partition_of(group_id);
    slot->state_timestamp_ms = clock_.now_wall_ms();
  }
  return *slot;
}

std::string GroupCoordinator::new_member_id(const std::string& prefix) {
  // Kafka: prefix + "-" + UUID.randomUUID() (a version 4 UUID in its text form).
  const uint64_t hi = (random_() & ~0xF000ULL) | 0x4000ULL;
  const uint64_t lo = (random_() & ~(3ULL << 62)) | (2ULL << 62);
  return fmt::format("{}-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", prefix, hi >> 32, (hi >> 16) & 0xFFFF, hi & 0xFFFF,
                     lo >> 48, lo & 0xFFFFFFFFFFFFULL);
}

void GroupCoordinator::transition(Group& group, GroupState state) {
  group.state = state;
  group.state_timestamp_ms = clock_.now_wall_ms();
}

void GroupCoordinator::heartbeat_member(Member& member) { member.last_heartbeat = clock_.now_monotonic(); }

// --- loading -------------------------------------------------------------------------------------

void GroupCoordinator::begin_loading(int32_t partition) { loading_.insert(partition); }

void GroupCoordinator::replay(int32_t, const OffsetsTopicRecord& record) {
  if (const auto* offset = std::get_if<OffsetCommitRecord>(&record)) {
    const TopicPartitionKey tp{offset->topic, offset->partition};
    if (offset->value) {
      get_or_create(offset->group).offsets[tp] = *offset->value;
    } else if (Group* group = find(offset->group)) {
      group->offsets.erase(tp);
    }
    return;
  }
  if (const auto* metadata = std::get_if<GroupMetadataRecord>(&record)) {
    if (!metadata->value) {
      Group* group = find(metadata->group);
      if (group && group->offsets.empty()) {
        groups_.erase(metadata->group);
      } else if (group) {
        group->members.clear();
        group->static_members.clear();
        group->protocol_type.reset();
        group->protocol_name.reset();
        group->leader.reset();
        group->state = GroupState::empty;
      }
      return;
    }
    const auto& v = *metadata->value;
    Group& group = get_or_create(metadata->group);
    group.protocol_type = v.protocol_type.empty() ? std::nullopt : std::optional<std::string>(v.protocol_type);
    group.generation = v.generation;
    group.protocol_name = v.protocol;
    group.leader = v.leader;
    group.state_timestamp_ms = v.current_state_timestamp;
    group.members.clear();
    group.static_members.clear();
    for (const auto& m : v.members) {
      Member member;
      member.id = m.member_id;
      member.instance_id = m.group_instance_id;
      member.client_id = m.client_id;
      member.client_host = m.client_host;
      member.session_timeout_ms = m.session_timeout;
      member.rebalance_timeout_ms = m.rebalance_timeout;
      member.protocol_type = v.protocol_type;
      if (v.protocol) member.protocols.push_back({*v.protocol, m.subscription});
      member.assignment = m.assignment;
      if (m.group_instance_id) group.static_members[*m.group_instance_id] = m.member_id;
      group.members.emplace(m.member_id, std::move(member));
    }
    group.state = group.members.empty() ? GroupState::empty : GroupState::stable;
  }
}

void GroupCoordinator::finish_loading(int32_t partition) {
  loading_.erase(partition);
  // Loaded members must heartbeat within their session timeout from now (Kafka schedules their
  // expiration when the group is loaded).
  const auto now = clock_.now_monotonic();
  for (auto& [id, group] : groups_) {
    if (group->partition != partition) continue;
    for (auto& [mid, member] : group->members) member.last_heartbeat = now;
  }
}

// --- JoinGroup -----------------------------------------------------------------------------------

void GroupCoordinator::join_group(JoinGroupParams params, JoinCallback done) {
  auto fail = [&](ErrorCode error) {
    JoinGroupResult r;
    r.error = error;
    r.member_id = params.member_id;
    done(std::move(r));
  };
  if (ErrorCode e = check_group_id(params.group_id); e != ErrorCode::kNone) return fail(e);
  if (params.session_timeout_ms < config_.min_session_timeout_ms ||
      params.session_timeout_ms > config_.max_session_timeout_ms) {
    return fail(ErrorCode::kInvalidSessionTimeout);
  }
  const bool unknown_member = params.member_id.empty();
  Group* existing = find(params.group_id);
  if (!existing && !unknown_member) return fail(ErrorCode::kUnknownMemberId);
  Group& group = existing ? *existing : get_or_create(params.group_id);
  // Kafka's acceptJoiningMember: group.max.size counts the members of the coming generation.
  bool accept = true;
  const auto awaiting = static_cast<size_t>(std::count_if(group.members.begin(), group.members.end(),
                                                          [](const auto& m) { return bool(m.second.awaiting_join); }));
  const auto max = static_cast<size_t>(config_.max_size);
  switch (group.state) {
    case GroupState::empty:
    case GroupState::dead: break;
    case GroupState::preparing_rebalance:
      accept = (group.has(params.member_id) && group.members.at(params.member_id).awaiting_join) || awaiting < max;
      break;
    case GroupState::completing_rebalance:
    case GroupState::stable: accept = group.has(params.member_id) || group.members.size() < max; break;
  }
  if (!accept) {
    if (!existing && group.members.empty() && group.offsets.empty()) groups_.erase(params.group_id);
    return fail(ErrorCode::kGroupMaxSizeReached);
  }
  if (group.state == GroupState::dead) return fail(ErrorCode::kCoordinatorNotAvailable);
  const std::string group_id = params.group_id;
  if (unknown_member) {
    join_new_member(group, std::move(params), std::move(done));
  } else {
    join_current_member(group, std::move(params), std::move(done));
  }
  if (Group* g = find(group_id); g && g->state == GroupState::preparing_rebalance) try_complete_join(*g);
}

void GroupCoordinator::join_new_member(Group& group, JoinGroupParams params, JoinCallback done) {
  if (!group.supports_protocols(params.protocol_type, params.protocols)) {
    JoinGroupResult r;
    r.error = ErrorCode::kInconsistentGroupProtocol;
    done(std::move(r));
    return;
  }
  std::string member_id = new_member_id(params.group_instance_id ? *params.group_instance_id : params.client_id);
  if (params.group_instance_id) {
    join_static_member(group, std::move(params), std::move(member_id), std::move(done));
  } else if (params.require_known_member_id) {
    // KIP-394: the client rejoins with this id; until then it is pending (and expires like a
    // member that stopped heartbeating).
    group.pending_members[member_id] = clock_.now_monotonic() + std::chrono::milliseconds(params.session_timeout_ms);
    JoinGroupResult r;
    r.error = ErrorCode::kMemberIdRequired;
    r.member_id = std::move(member_id);
    done(std::move(r));
  } else {
    add_member_and_rebalance(group, std::move(params), std::move(member_id), std::move(done));
  }
}

void GroupCoordinator::join_static_member(Group& group, JoinGroupParams params, std::string new_id, JoinCallback done) {
  const std::string instance = *params.group_instance_id;
  auto known = group.static_members.find(instance);
  if (known != group.static_members.end() && !group.has(known->second)) {
    group.static_members.erase(known);
    known = group.static_members.end();
  }
  if (known == group.static_members.end()) {
    add_member_and_rebalance(group, std::move(params), std::move(new_id), std::move(done));
    return;
  }
  // A known static member with a new member id (KIP-345): it replaces the old one, keeping its
  // assignment; the old id is fenced.
  const std::string old_id = known->second;
  const std::optional<std::string> current_leader = group.leader;
  auto node = group.members.extract(old_id);
  Member& old = node.mapped();
  old.fail_waiting(ErrorCode::kFencedInstanceId);
  node.key() = new_id;
  old.id = new_id;
  auto inserted = group.members.insert(std::move(node));
  Member& member = inserted.position->second;
  known->second = new_id;
  if (group.leader == old_id) group.leader = new_id;
  member.protocols = std::move(params.protocols);
  member.rebalance_timeout_ms = params.rebalance_timeout_ms;
  member.session_timeout_ms = params.session_timeout_ms;
  member.client_id = params.client_id;
  member.client_host = params.client_host;
  member.supports_skip_assignment = params.supports_skip_assignment;
  heartbeat_member(member);
  switch (group.state) {
    case GroupState::stable: {
      // No rebalance when the group's protocol stays the same: store the new member id and
      // answer with the current generation (the member then syncs and gets its assignment).
      if (group.protocol_name && group.select_protocol() == *group.protocol_name) {
        const bool skip = params.supports_skip_assignment && group.is_leader(new_id);
        const std::string group_id = group.id;
        const int32_t generation = group.generation;
        auto stored = [this, group_id, new_id, generation, skip, current_leader, done](ErrorCode error) mutable {
          Group* g = find(group_id);
          JoinGroupResult r;
          r.member_id = new_id;
          if (error != ErrorCode::kNone || !g || !g->has(new_id) || g->generation != generation) {
            r.error = error != ErrorCode::kNone ? error : ErrorCode::kRebalanceInProgress;
            done(std::move(r));
            return;
          }
          const Member& m = g->members.at(new_id);
          r = join_result_for(*g, m, skip);
          r.skip_assignment = skip;
          r.leader_id = skip ? g->leader.value_or("") : current_leader.value_or("");
          done(std::move(r));
        };
        store_group(group, stored);
      } else {
        member.awaiting_join = std::move(done);
        maybe_prepare_rebalance(group);
      }
      break;
    }
    case GroupState::completing_rebalance:
      member.awaiting_join = std::move(done);
      prepare_rebalance(group);
      break;
    case GroupState::preparing_rebalance: member.awaiting_join = std::move(done); break;
    case GroupState::empty:
    case GroupState::dead: {
      JoinGroupResult r;
      r.error = ErrorCode::kUnknownMemberId;
      done(std::move(r));
      break;
    }
  }
}

void GroupCoordinator::join_current_member(Group& group, JoinGroupParams params, JoinCallback done) {
  auto fail = [&](ErrorCode error) {
    JoinGroupResult r;
    r.error = error;
    r.member_id = params.member_id;
    done(std::move(r));
  };
  const std::string member_id = params.member_id;
  if (group.pending_members.contains(member_id)) {
    add_member_and_rebalance(group, std::move(params), member_id, std::move(done));
    return;
  }
  if (group.static_member_fenced(params.group_instance_id, member_id)) return fail(ErrorCode::kFencedInstanceId);
  if (!group.has(member_id)) return fail(ErrorCode::kUnknownMemberId);
  if (!group.supports_protocols(params.protocol_type, params.protocols)) {
    return fail(ErrorCode::kInconsistentGroupProtocol);
  }
  Member& member = group.members.at(member_id);
  heartbeat_member(member);
  switch (group.state) {
    case GroupState::preparing_rebalance:
      update_member_and_rebalance(group, member, std::move(params), std::move(done));
      break;
    case GroupState::completing_rebalance:
      if (member.matches(params.protocols)) {
        // A retry of a join already answered: the same answer again.
        done(join_result_for(group, member, group.is_leader(member_id)));
      } else {
        update_member_and_rebalance(group, member, std::move(params), std::move(done));
      }
      break;
    case GroupState::stable:
      // The leader's join forces a rebalance (it may have seen a metadata change that does not
      // change its subscription); a follower with the same protocols gets the current generation.
      if (group.is_leader(member_id) || !member.matches(params.protocols)) {
        update_member_and_rebalance(group, member, std::move(params), std::move(done));
      } else {
        done(join_result_for(group, member, false));
      }
      break;
    case GroupState::empty:
    case GroupState::dead: fail(ErrorCode::kUnknownMemberId); break;
  }
}

void GroupCoordinator::add_member_and_rebalance(Group& group, JoinGroupParams params, std::string member_id,
                                                JoinCallback done) {
  Member member;
  member.id = member_id;
  member.instance_id = params.group_instance_id;
  member.client_id = std::move(params.client_id);
  member.client_host = std::move(params.client_host);
  member.session_timeout_ms = params.session_timeout_ms;
  member.rebalance_timeout_ms = params.rebalance_timeout_ms;
  member.protocol_type = params.protocol_type;
  member.protocols = std::move(params.protocols);
  member.supports_skip_assignment = params.supports_skip_assignment;
  member.awaiting_join = std::move(done);
  member.is_new = true;
  member.last_heartbeat = clock_.now_monotonic();
  if (group.members.empty()) group.protocol_type = params.protocol_type;
  if (member.instance_id) group.static_members[*member.instance_id] = member_id;
  group.pending_members.erase(member_id);
  if (!group.leader || !group.has(*group.leader)) group.leader = member_id;
  if (group.state == GroupState::preparing_rebalance && group.initial_join) group.new_member_added = true;
  group.members.emplace(member_id, std::move(member));
  maybe_prepare_rebalance(group);
}

void GroupCoordinator::update_member_and_rebalance(Group& group, Member& member, JoinGroupParams params,
                                                   JoinCallback done) {
  member.protocols = std::move(params.protocols);
  member.rebalance_timeout_ms = params.rebalance_timeout_ms;
  member.session_timeout_ms = params.session_timeout_ms;
  member.supports_skip_assignment = params.supports_skip_assignment;
  // A second join while the first still waits (a client retry): the first gets an answer now.
  JoinGroupResult superseded;
  superseded.error = ErrorCode::kRebalanceInProgress;
  superseded.member_id = member.id;
  invoke(member.awaiting_join, superseded);
  member.awaiting_join = std::move(done);
  maybe_prepare_rebalance(group);
}

void GroupCoordinator::maybe_prepare_rebalance(Group& group) {
  if (group.state == GroupState::stable || group.state == GroupState::completing_rebalance ||
      group.state == GroupState::empty) {
    prepare_rebalance(group);
  }
}

void GroupCoordinator::prepare_rebalance(Group& group) {
  if (group.state == GroupState::completing_rebalance) {
    reset_and_propagate_sync_error(group, ErrorCode::kRebalanceInProgress);
  }
  const auto now = clock_.now_monotonic();
  const int64_t rebalance_timeout = group.rebalance_timeout_ms();
  if (group.state == GroupState::empty) {
    // Kafka's InitialDelayedJoin: wait group.initial.rebalance.delay.ms for more members, again
    // while new ones arrive, up to the rebalance timeout.
    const int64_t delay = std::min<int64_t>(config_.initial_rebalance_delay_ms, rebalance_timeout);
    group.initial_join = true;
    group.new_member_added = false;
    group.initial_remaining_ms = std::max<int64_t>(rebalance_timeout - config_.initial_rebalance_delay_ms, 0);
    group.join_deadline = now + std::chrono::milliseconds(delay);
  } else {
    group.initial_join = false;
    group.join_deadline = now + std::chrono::milliseconds(rebalance_timeout);
  }
  transition(group, GroupState::preparing_rebalance);
  // Kafka's tryCompleteElseWatch: with every member already waiting (or none left) the join
  // completes now.
  try_complete_join(group);
}

void GroupCoordinator::try_complete_join(Group& group) {
  if (group.state != GroupState::preparing_rebalance || group.initial_join) return;
  if (group.has_all_members_joined()) complete_join(group);
}

void GroupCoordinator::complete_join(Group& group) {
  // Members that did not rejoin in time leave the group.
  std::vector<std::string> failed;
  for (const auto& [id, m] : group.members) {
    if (!m.awaiting_join) failed.push_back(id);
  }
  for (const std::string& id : failed) {
    Member& m = group.members.at(id);
    SyncGroupResult r;
    r.error = ErrorCode::kUnknownMemberId;
    invoke(m.awaiting_sync, r);
    if (m.instance_id) group.static_members.erase(*m.instance_id);
    group.members.erase(id);
  }
  if (!group.leader || !group.has(*group.leader)) {
    group.leader = group.members.empty() ? std::nullopt : std::optional<std::string>(group.members.begin()->first);
  }
  group.initial_join = false;
  ++group.generation;
  if (group.members.empty()) {
    group.protocol_name.reset();
    group.leader.reset();
    transition(group, GroupState::empty);
    store_group(group, [](ErrorCode) {});
    return;
  }
  group.protocol_name = group.select_protocol();
  transition(group, GroupState::completing_rebalance);
  const auto now = clock_.now_monotonic();
  for (auto& [id, member] : group.members) {
    JoinGroupResult r = join_result_for(group, member, group.is_leader(id));
    member.is_new = false;
    member.last_heartbeat = now;
    invoke(member.awaiting_join, std::move(r));
  }
}

JoinGroupResult GroupCoordinator::join_result_for(const Group& group, const Member& member, bool with_members) const {
  JoinGroupResult r;
  r.generation_id = group.generation;
  r.protocol_type = group.protocol_type;
  r.protocol_name = group.protocol_name;
  r.leader_id = group.leader.value_or("");
  r.member_id = member.id;
  if (with_members) {
    for (const auto& [id, m] : group.members) {
      const bytes* metadata = m.metadata_for(group.protocol_name);
      r.members.push_back({id, m.instance_id, metadata ? *metadata : bytes{}});
    }
  }
  return r;
}

// --- SyncGroup -----------------------------------------------------------------------------------

void GroupCoordinator::sync_group(SyncGroupParams params, SyncCallback done) {
  auto fail = [&](ErrorCode error) {
    SyncGroupResult r;
    r.error = error;
    done(std::move(r));
  };
  if (ErrorCode e = check_group_id(params.group_id); e != ErrorCode::kNone) return fail(e);
  Group* found = find(params.group_id);
  if (!found) return fail(ErrorCode::kUnknownMemberId);
  Group& group = *found;
  if (group.state == GroupState::dead) return fail(ErrorCode::kCoordinatorNotAvailable);
  if (group.static_member_fenced(params.group_instance_id, params.member_id)) {
    return fail(ErrorCode::kFencedInstanceId);
  }
  if (!group.has(params.member_id)) return fail(ErrorCode::kUnknownMemberId);
  if (params.generation_id != group.generation) return fail(ErrorCode::kIllegalGeneration);
  if ((params.protocol_type && group.protocol_type != params.protocol_type) ||
      (params.protocol_name && group.protocol_name != params.protocol_name)) {
    return fail(ErrorCode::kInconsistentGroupProtocol);
  }
  Member& member = group.members.at(params.member_id);
  switch (group.state) {
    case GroupState::empty:
    case GroupState::dead: return fail(ErrorCode::kUnknownMemberId);
    case GroupState::preparing_rebalance: return fail(ErrorCode::kRebalanceInProgress);
    case GroupState::stable: {
      heartbeat_member(member);
      SyncGroupResult r;
      r.protocol_type = group.protocol_type;
      r.protocol_name = group.protocol_name;
      r.assignment = member.assignment;
      done(std::move(r));
      return;
    }
    case GroupState::completing_rebalance: break;
  }
  heartbeat_member(member);
  {
    SyncGroupResult superseded;
    superseded.error = ErrorCode::kRebalanceInProgress;
    invoke(member.awaiting_sync, superseded);
  }
  member.awaiting_sync = std::move(done);
  if (!group.is_leader(params.member_id)) return;
  // The leader's assignment: stored first, then handed to every member waiting in SyncGroup.
  std::map<std::string, bytes> assignment;
  for (auto& [id, bytes_] : params.assignments) {
    if (group.has(id)) assignment[id] = std::move(bytes_);
  }
  for (const auto& [id, m] : group.members) assignment.try_emplace(id);
  const std::string group_id = group.id;
  const int32_t generation = group.generation;
  auto assigned = std::make_shared<std::map<std::string, bytes>>(std::move(assignment));
  // The value written carries the new assignment (cleared again if the append fails).
  for (auto& [id, m] : group.members) m.assignment = (*assigned)[id];
  auto stored = [this, group_id, generation, assigned](ErrorCode error) {
    Group* g = find(group_id);
    if (!g || g->state != GroupState::completing_rebalance || g->generation != generation) return;
    if (error != ErrorCode::kNone) {
      for (auto& [id, m] : g->members) m.assignment.clear();
      reset_and_propagate_sync_error(*g, error);
      maybe_prepare_rebalance(*g);
      return;
    }
    for (auto& [id, m] : g->members) {
      auto it = assigned->find(id);
      m.assignment = it == assigned->end() ? bytes{} : it->second;
    }
    propagate_assignment(*g);
    transition(*g, GroupState::stable);
  };
  store_group(group, stored);
}

void GroupCoordinator::reset_and_propagate_sync_error(Group& group, ErrorCode error) {
  for (auto& [id, m] : group.members) {
    SyncGroupResult r;
    r.error = error;
    invoke(m.awaiting_sync, r);
  }
}

void GroupCoordinator::propagate_assignment(Group& group) {
  for (auto& [id, m] : group.members) {
    SyncGroupResult r;
    r.protocol_type = group.protocol_type;
    r.protocol_name = group.protocol_name;
    r.assignment = m.assignment;
    if (m.awaiting_sync) heartbeat_member(m);
    invoke(m.awaiting_sync, r);
  }
}

// --- Heartbeat, LeaveGroup, removal ---------------------------------------------------------------

ErrorCode GroupCoordinator::heartbeat(const std::string& group_id, const std::string& member_id,
                                      const std::optional<std::string>& group_instance_id, int32_t generation_id) {
  if (ErrorCode e = check_group_id(group_id); e != ErrorCode::kNone) return e;
  Group* group = find(group_id);
  if (!group) return ErrorCode::kUnknownMemberId;
  if (group->state == GroupState::dead) return ErrorCode::kCoordinatorNotAvailable;
  if (group->static_member_fenced(group_instance_id, member_id)) return ErrorCode::kFencedInstanceId;
  if (!group->has(member_id)) return ErrorCode::kUnknownMemberId;
  if (generation_id != group->generation) return ErrorCode::kIllegalGeneration;
  Member& member = group->members.at(member_id);
  switch (group->state) {
    case GroupState::empty:
    case GroupState::dead: return ErrorCode::kUnknownMemberId;
    case GroupState::preparing_rebalance: heartbeat_member(member); return ErrorCode::kRebalanceInProgress;
    case GroupState::completing_rebalance:
    case GroupState::stable: heartbeat_member(member); return ErrorCode::kNone;
  }
  return ErrorCode::kNone;
}

LeaveGroupResult GroupCoordinator::leave_group(const std::string& group_id, const std::vector<LeavingMember>& members) {
  LeaveGroupResult result;
  if (ErrorCode e = check_group_id(group_id); e != ErrorCode::kNone) {
    result.error = e;
    return result;
  }
  Group* group = find(group_id);
  if (group && group->state == GroupState::dead) {
    result.error = ErrorCode::kCoordinatorNotAvailable;
    return result;
  }
  for (const LeavingMember& leaving : members) {
    ErrorCode error = ErrorCode::kNone;
    if (!group) {
      error = ErrorCode::kUnknownMemberId;
    } else if (leaving.member_id.empty()) {
      // Removal by group.instance.id (an administrator's, KIP-345).
      auto known = leaving.group_instance_id ? group->static_members.find(*leaving.group_instance_id)
                                             : group->static_members.end();
      if (known == group->static_members.end()) {
        error = ErrorCode::kUnknownMemberId;
      } else {
        remove_member(*group, std::string(known->second), ErrorCode::kUnknownMemberId);
        member_left(*group);
      }
    } else if (group->pending_members.contains(leaving.member_id)) {
      group->pending_members.erase(leaving.member_id);
      try_complete_join(*group);
    } else if (group->static_member_fenced(leaving.group_instance_id, leaving.member_id)) {
      error = ErrorCode::kFencedInstanceId;
    } else if (group->has(leaving.member_id)) {
      remove_member(*group, leaving.member_id, ErrorCode::kUnknownMemberId);
      member_left(*group);
    } else {
      error = ErrorCode::kUnknownMemberId;
    }
    result.members.emplace_back(leaving, error);
  }
  return result;
}

void GroupCoordinator::remove_member(Group& group, const std::string& member_id, ErrorCode join_error) {
  auto it = group.members.find(member_id);
  if (it == group.members.end()) return;
  Member& member = it->second;
  member.fail_waiting(join_error);
  if (member.instance_id) {
    auto s = group.static_members.find(*member.instance_id);
    if (s != group.static_members.end() && s->second == member_id) group.static_members.erase(s);
  }
  group.members.erase(it);
  if (group.is_leader(member_id)) {
    group.leader = group.members.empty() ? std::nullopt : std::optional<std::string>(group.members.begin()->first);
  }
}

void GroupCoordinator::member_left(Group& group) {
  switch (group.state) {
    case GroupState::stable:
    case GroupState::completing_rebalance: maybe_prepare_rebalance(group); break;
    case GroupState::preparing_rebalance: try_complete_join(group); break;
    case GroupState::empty:
    case GroupState::dead: break;
  }
}

// --- persistence ---------------------------------------------------------------------------------

void GroupCoordinator::store_group(Group& group, std::function<void(ErrorCode)> done) {
  protocol::coordinator::GroupMetadataValue value;
  value.protocol_type = group.protocol_type.value_or("");
  value.generation = group.generation;
  value.protocol = group.protocol_name;
  value.leader = group.leader;
  value.current_state_timestamp = group.state_timestamp_ms;
  for (const auto& [id, m] : group.members) {
    protocol::coordinator::GroupMetadataValue::MemberMetadata mm;
    mm.member_id = id;
    mm.group_instance_id = m.instance_id;
    mm.client_id = m.client_id;
    mm.client_host = m.client_host;
    mm.rebalance_timeout = m.rebalance_timeout_ms;
    mm.session_timeout = m.session_timeout_ms;
    const bytes* metadata = m.metadata_for(group.protocol_name);
    if (metadata) mm.subscription = *metadata;
    mm.assignment = m.assignment;
    value.members.push_back(std::move(mm));
  }
  std::vector<OffsetsTopicWrite> records;
  records.push_back({group_metadata_key(group.id), group_metadata_value(value)});
  log_.append(group.partition, std::move(records), std::move(done));
}

void GroupCoordinator::remove_group(const std::string& group_id) {
  auto it = groups_.find(group_id);
  if (it == groups_.end()) return;
  it->second->state = GroupState::dead;
  groups_.erase(it);
}

// --- timeouts ------------------------------------------------------------------------------------

void GroupCoordinator::tick() {
  if (stopped_) return;
  const auto now = clock_.now_monotonic();
  for (const std::string& id : group_ids()) {
    Group* group = find(id);
    if (!group || loading(group->partition)) continue;
    // Pending members (MEMBER_ID_REQUIRED answered) that never came back.
    for (auto it = group->pending_members.begin(); it != group->pending_members.end();) {
      it = it->second <= now ? group->pending_members.erase(it) : std::next(it);
    }
    // Session timeouts.
    std::vector<std::string> expired;
    for (const auto& [mid, m] : group->members) {
      if (!m.should_keep_alive(now)) expired.push_back(mid);
    }
    for (const std::string& mid : expired) {
      remove_member(*group, mid, ErrorCode::kUnknownMemberId);
      member_left(*group);
    }
    if (group->state != GroupState::preparing_rebalance) continue;
    if (now >= group->join_deadline) {
      if (group->initial_join && group->new_member_added && group->initial_remaining_ms > 0) {
        group->new_member_added = false;
        const int64_t delay = std::min<int64_t>(config_.initial_rebalance_delay_ms, group->initial_remaining_ms);
        group->initial_remaining_ms = std::max<int64_t>(group->initial_remaining_ms - delay, 0);
        group->join_deadline = now + std::chrono::milliseconds(delay);
      } else {
        complete_join(*group);
      }
    } else {
      try_complete_join(*group);
    }
  }
  if (now >= next_expiry_check_) {
    next_expiry_check_ = now + std::chrono::milliseconds(config_.offsets_retention_check_interval_ms);
    expire_offsets();
  }
}

void GroupCoordinator::shutdown() {
  stopped_ = true;
  for (auto& [id, group] : groups_) {
    for (auto& entry : group->members) entry.second.fail_waiting(ErrorCode::kNotCoordinator);
  }
}

std::optional<GroupState> GroupCoordinator::group_state(const std::string& group_id) const {
  const Group* group = find(group_id);
  if (!group) return std::nullopt;
  return group->state;
}

int32_t GroupCoordinator::generation(const std::string& group_id) const {
  const Group* group = find(group_id);
  return group ? group->generation : -1;
}

}  // namespace strata::group
