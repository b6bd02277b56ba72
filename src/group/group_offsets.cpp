// Committed offsets (OffsetCommit, OffsetFetch, OffsetDelete, their expiry) and the admin APIs
// (ListGroups, DescribeGroups, DeleteGroups) of the group coordinator.
#include "group/classic_group.h"
#include "group/group_coordinator.h"

namespace strata::group {

// --- offsets -------------------------------------------------------------------------------------

void GroupCoordinator::commit_offsets(OffsetCommitParams params, CommitCallback done) {
  const size_t n = params.offsets.size();
  auto all = [&](ErrorCode error) { done(std::vector<ErrorCode>(n, error)); };
  if (ErrorCode e = check_group_id(params.group_id); e != ErrorCode::kNone) return all(e);
  Group* group = find(params.group_id);
  if (!group) {
    // Only a commit outside group management (generation -1) creates a group (an "Empty" group
    // that uses Kafka only to store offsets).
    if (params.generation_id >= 0) return all(ErrorCode::kIllegalGeneration);
    group = &get_or_create(params.group_id);
  }
  if (group->state == GroupState::dead) return all(ErrorCode::kCoordinatorNotAvailable);
  if (params.generation_id >= 0 || !params.member_id.empty() || params.group_instance_id) {
    if (group->static_member_fenced(params.group_instance_id, params.member_id)) {
      return all(ErrorCode::kFencedInstanceId);
    }
    if (!group->has(params.member_id)) return all(ErrorCode::kUnknownMemberId);
    if (params.generation_id != group->generation) return all(ErrorCode::kIllegalGeneration);
    if (group->state == GroupState::completing_rebalance) return all(ErrorCode::kRebalanceInProgress);
    heartbeat_member(group->members.at(params.member_id));
  } else if (group->state != GroupState::empty) {
    // Members of an active group commit with their member id and generation.
    return all(ErrorCode::kUnknownMemberId);
  }
  const int64_t now = clock_.now_wall_ms();
  std::vector<ErrorCode> errors(n, ErrorCode::kNone);
  std::vector<OffsetsTopicWrite> records;
  auto committed = std::make_shared<std::vector<std::pair<TopicPartitionKey, CommittedOffset>>>();
  for (size_t i = 0; i < n; ++i) {
    const OffsetCommitEntry& e = params.offsets[i];
    const std::string metadata = e.metadata.value_or("");
    if (metadata.size() > static_cast<size_t>(config_.offset_metadata_max_bytes)) {
      errors[i] = ErrorCode::kOffsetMetadataTooLarge;
      continue;
    }
    CommittedOffset offset;
    offset.offset = e.offset;
    offset.leader_epoch = e.leader_epoch;
    offset.metadata = metadata;
    offset.commit_timestamp_ms = e.commit_timestamp_ms == -1 ? now : e.commit_timestamp_ms;
    if (params.retention_time_ms != -1) {
      offset.expire_timestamp_ms = offset.commit_timestamp_ms + params.retention_time_ms;
    } else if (e.commit_timestamp_ms != -1) {
      offset.expire_timestamp_ms = e.commit_timestamp_ms + config_.offsets_retention_ms;
    }
    records.push_back({offset_commit_key(params.group_id, e.tp.topic, e.tp.partition), offset_commit_value(offset)});
    committed->emplace_back(e.tp, std::move(offset));
    ++group->pending_commits[e.tp];
  }
  if (records.empty()) {
    done(std::move(errors));
    return;
  }
  const std::string group_id = params.group_id;
  auto appended = [this, group_id, committed, errors = std::move(errors),
                   done = std::move(done)](ErrorCode error) mutable {
    Group* g = find(group_id);
    for (const auto& [tp, offset] : *committed) {
      if (!g) break;
      auto pending = g->pending_commits.find(tp);
      if (pending != g->pending_commits.end() && --pending->second <= 0) g->pending_commits.erase(pending);
      if (error == ErrorCode::kNone) g->offsets[tp] = offset;
    }
    if (error != ErrorCode::kNone) {
      for (ErrorCode& e : errors) {
        if (e == ErrorCode::kNone) e = error;
      }
    }
    done(std::move(errors));
  };
  log_.append(group->partition, std::move(records), std::move(appended));
}

OffsetFetchResult GroupCoordinator::fetch_offsets(const std::string& group_id,
                                                  const std::optional<std::vector<TopicPartitionKey>>& partitions,
                                                  bool require_stable) {
  OffsetFetchResult result;
  if (ErrorCode e = check_group_id(group_id); e != ErrorCode::kNone) {
    result.error = e;
    return result;
  }
  const Group* group = find(group_id);
  if (!partitions) {
    if (!group) return result;
    for (const auto& [tp, offset] : group->offsets) {
      result.offsets.push_back({tp, offset.offset, offset.leader_epoch, offset.metadata, ErrorCode::kNone});
    }
    return result;
  }
  for (const TopicPartitionKey& tp : *partitions) {
    FetchedOffset fetched;
    fetched.tp = tp;
    if (group) {
      if (require_stable && group->pending_commits.contains(tp)) {
        fetched.error = ErrorCode::kUnstableOffsetCommit;
      } else if (auto it = group->offsets.find(tp); it != group->offsets.end()) {
        fetched.offset = it->second.offset;
        fetched.leader_epoch = it->second.leader_epoch;
        fetched.metadata = it->second.metadata;
      }
    }
    result.offsets.push_back(std::move(fetched));
  }
  return result;
}

void GroupCoordinator::delete_offsets(const std::string& group_id, std::vector<TopicPartitionKey> partitions,
                                      OffsetDeleteCallback done) {
  OffsetDeleteResult result;
  if (ErrorCode e = check_group_id(group_id); e != ErrorCode::kNone) {
    result.error = e;
    return done(std::move(result));
  }
  Group* group = find(group_id);
  if (!group || group->state == GroupState::dead) {
    result.error = ErrorCode::kGroupIdNotFound;
    return done(std::move(result));
  }
  std::optional<std::set<std::string>> subscribed;
  if (!group->members.empty()) {
    if (group->protocol_type != kConsumerProtocolType) {
      result.error = ErrorCode::kNonEmptyGroup;
      return done(std::move(result));
    }
    subscribed = group->subscribed_topics();
    if (!subscribed) {
      result.error = ErrorCode::kNonEmptyGroup;
      return done(std::move(result));
    }
  }
  std::vector<OffsetsTopicWrite> tombstones;
  for (const TopicPartitionKey& tp : partitions) {
    if (subscribed && subscribed->contains(tp.topic)) {
      result.partitions.push_back(ErrorCode::kGroupSubscribedToTopic);
      continue;
    }
    result.partitions.push_back(ErrorCode::kNone);
    if (group->offsets.erase(tp) > 0) {
      tombstones.push_back({offset_commit_key(group_id, tp.topic, tp.partition), std::nullopt});
    }
  }
  if (tombstones.empty()) return done(std::move(result));
  auto appended = [result = std::move(result), done = std::move(done)](ErrorCode error) mutable {
    if (error != ErrorCode::kNone) result.error = error;
    done(std::move(result));
  };
  log_.append(group->partition, std::move(tombstones), std::move(appended));
}

void GroupCoordinator::topic_deleted(const std::string& topic) {
  for (const std::string& id : group_ids()) {
    Group* group = find(id);
    if (!group) continue;
    std::vector<OffsetsTopicWrite> tombstones;
    for (auto it = group->offsets.lower_bound({topic, INT32_MIN});
         it != group->offsets.end() && it->first.topic == topic;) {
      tombstones.push_back({offset_commit_key(id, topic, it->first.partition), std::nullopt});
      it = group->offsets.erase(it);
    }
    if (tombstones.empty()) continue;
    const int32_t partition = group->partition;
    if (group->state == GroupState::empty && group->members.empty() && group->offsets.empty() &&
        group->pending_commits.empty()) {
      tombstones.push_back({group_metadata_key(id), std::nullopt});
      remove_group(id);
    }
    log_.append(partition, std::move(tombstones), [](ErrorCode) {});
  }
}

// --- admin ---------------------------------------------------------------------------------------

std::pair<ErrorCode, std::vector<GroupOverview>> GroupCoordinator::list_groups(
    const std::vector<std::string>& states) const {
  std::vector<GroupOverview> out;
  if (stopped_) return {ErrorCode::kCoordinatorNotAvailable, out};
  std::set<std::string> wanted;
  for (const std::string& s : states) wanted.insert(ascii_lower(s));
  for (const auto& [id, group] : groups_) {
    if (loading(group->partition)) continue;
    if (!wanted.empty() && !wanted.contains(ascii_lower(state_name(group->state)))) continue;
    out.push_back({id, group->protocol_type.value_or(""), group->state});
  }
  return {loading_.empty() ? ErrorCode::kNone : ErrorCode::kCoordinatorLoadInProgress, out};
}

GroupDescription GroupCoordinator::describe_group(const std::string& group_id) const {
  GroupDescription d;
  d.group_id = group_id;
  if (ErrorCode e = check_group_id(group_id); e != ErrorCode::kNone) {
    d.error = e;
    return d;
  }
  const Group* group = find(group_id);
  if (!group) return d;  // Kafka: NONE with state Dead
  d.state = group->state;
  d.protocol_type = group->protocol_type.value_or("");
  const bool stable = group->state == GroupState::stable;
  if (stable) d.protocol_name = group->protocol_name.value_or("");
  for (const auto& [id, m] : group->members) {
    MemberDescription md;
    md.member_id = id;
    md.group_instance_id = m.instance_id;
    md.client_id = m.client_id;
    md.client_host = m.client_host;
    if (stable) {
      const bytes* metadata = m.metadata_for(group->protocol_name);
      if (metadata) md.metadata = *metadata;
      md.assignment = m.assignment;
    }
    d.members.push_back(std::move(md));
  }
  return d;
}

void GroupCoordinator::delete_groups(const std::vector<std::string>& group_ids, GroupErrorsCallback done) {
  auto errors = std::make_shared<std::vector<ErrorCode>>(group_ids.size(), ErrorCode::kNone);
  // One append per group; the answer goes when the last is done.
  auto remaining = std::make_shared<size_t>(1);
  auto finish = std::make_shared<std::function<void()>>([errors, remaining, done = std::move(done)]() {
    if (--*remaining == 0) done(*errors);
  });
  for (size_t i = 0; i < group_ids.size(); ++i) {
    const std::string& id = group_ids[i];
    if (ErrorCode e = check_group_id(id); e != ErrorCode::kNone) {
      (*errors)[i] = e;
      continue;
    }
    Group* group = find(id);
    if (!group || group->state == GroupState::dead) {
      (*errors)[i] = ErrorCode::kGroupIdNotFound;
      continue;
    }
    if (group->state != GroupState::empty) {
      (*errors)[i] = ErrorCode::kNonEmptyGroup;
      continue;
    }
    std::vector<OffsetsTopicWrite> tombstones;
    for (const auto& [tp, offset] : group->offsets) {
      tombstones.push_back({offset_commit_key(id, tp.topic, tp.partition), std::nullopt});
    }
    tombstones.push_back({group_metadata_key(id), std::nullopt});
    const int32_t partition = group->partition;
    remove_group(id);
    ++*remaining;
    auto appended = [errors, i, finish](ErrorCode error) {
      (*errors)[i] = error;
      (*finish)();
    };
    log_.append(partition, std::move(tombstones), std::move(appended));
  }
  (*finish)();
}

void GroupCoordinator::expire_offsets() {
  const int64_t now = clock_.now_wall_ms();
  for (const std::string& id : group_ids()) {
    Group* group = find(id);
    if (!group || loading(group->partition)) continue;
    // Kafka's GroupMetadata.removeExpiredOffsets: an empty group's offsets expire retention after
    // it became empty; a group without a protocol (offsets only) after their commit; a stable
    // consumer group's offsets of topics it no longer subscribes to after their commit.
    std::optional<std::set<std::string>> keep_topics;
    std::optional<int64_t> base;
    if (group->protocol_type && group->state == GroupState::empty) {
      base = group->state_timestamp_ms;
      keep_topics.emplace();
    } else if (!group->protocol_type && group->members.empty()) {
      keep_topics.emplace();
    } else if (group->state == GroupState::stable) {
      keep_topics = group->subscribed_topics();
      if (!keep_topics) continue;
    } else {
      continue;
    }
    std::vector<OffsetsTopicWrite> tombstones;
    for (auto it = group->offsets.begin(); it != group->offsets.end();) {
      const auto& [tp, offset] = *it;
      const bool expired =
          !keep_topics->contains(tp.topic) && !group->pending_commits.contains(tp) &&
          (offset.expire_timestamp_ms
               ? now >= *offset.expire_timestamp_ms
               : now - (base && *base >= 0 ? *base : offset.commit_timestamp_ms) >= config_.offsets_retention_ms);
      if (!expired) {
        ++it;
        continue;
      }
      tombstones.push_back({offset_commit_key(id, tp.topic, tp.partition), std::nullopt});
      it = group->offsets.erase(it);
    }
    const int32_t partition = group->partition;
    if (group->state == GroupState::empty && group->members.empty() && group->offsets.empty() &&
        group->pending_commits.empty()) {
      tombstones.push_back({group_metadata_key(id), std::nullopt});
      remove_group(id);
    }
    if (!tombstones.empty()) log_.append(partition, std::move(tombstones), [](ErrorCode) {});
  }
}

}  // namespace strata::group
