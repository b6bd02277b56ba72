// The coordinator's own view of a classic group and its members (after Kafka's GroupMetadata and
// MemberMetadata), shared by group_coordinator.cpp (membership, rebalances) and
// group_offsets.cpp (offsets, admin, expiry). Internal to src/group.
#pragma once

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "group/group_coordinator.h"
#include "protocol/generated/messages/consumer_protocol_subscription.h"

namespace strata::group {

// Kafka's GroupCoordinator.NewMemberJoinTimeoutMs: how long a new member may wait in a join
// whose client went away before it is dropped.
inline constexpr std::chrono::milliseconds kNewMemberJoinTimeout{300'000};
inline constexpr std::string_view kConsumerProtocolType = "consumer";

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Calls a pending callback once: it is cleared before it runs.
template <class Callback, class Value>
void invoke(Callback& callback, Value value) {
  if (!callback) return;
  Callback taken = std::exchange(callback, nullptr);
  taken(std::move(value));
}

struct GroupCoordinator::Member {
  std::string id;
  std::optional<std::string> instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;
  std::vector<Protocol> protocols;
  bytes assignment;
  JoinCallback awaiting_join;
  SyncCallback awaiting_sync;
  Clock::MonotonicTime last_heartbeat{};
  bool is_new = false;
  bool supports_skip_assignment = false;

  const bytes* metadata_for(const std::optional<std::string>& protocol) const {
    if (!protocol) return nullptr;
    for (const Protocol& p : protocols) {
      if (p.name == *protocol) return &p.metadata;
    }
    return nullptr;
  }
  bool matches(const std::vector<Protocol>& other) const {
    if (other.size() != protocols.size()) return false;
    for (size_t i = 0; i < other.size(); ++i) {
      if (other[i].name != protocols[i].name || other[i].metadata != protocols[i].metadata) return false;
    }
    return true;
  }
  // Answers the member's waiting JoinGroup and SyncGroup, if any, with `error`.
  void fail_waiting(ErrorCode error) {
    JoinGroupResult joined;
    joined.error = error;
    joined.member_id = id;
    invoke(awaiting_join, std::move(joined));
    SyncGroupResult synced;
    synced.error = error;
    invoke(awaiting_sync, std::move(synced));
  }
  // Kafka's MemberMetadata.shouldKeepAlive.
  bool should_keep_alive(Clock::MonotonicTime now) const {
    if (awaiting_join) return !is_new || last_heartbeat + kNewMemberJoinTimeout > now;
    return static_cast<bool>(awaiting_sync) || last_heartbeat + std::chrono::milliseconds(session_timeout_ms) > now;
  }
};

struct GroupCoordinator::Group {
  std::string id;
  int32_t partition = 0;
  GroupState state = GroupState::empty;
  int32_t generation = 0;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::optional<std::string> leader;
  std::map<std::string, Member> members;
  std::map<std::string, std::string> static_members;            // instance id -> member id
  std::map<std::string, Clock::MonotonicTime> pending_members;  // MEMBER_ID_REQUIRED issued; deadline
  int64_t state_timestamp_ms = -1;
  std::map<TopicPartitionKey, CommittedOffset> offsets;
  std::map<TopicPartitionKey, int> pending_commits;
  // The rebalance in progress (PreparingRebalance).
  Clock::MonotonicTime join_deadline{};
  bool initial_join = false;
  int64_t initial_remaining_ms = 0;
  bool new_member_added = false;

  bool has(const std::string& member_id) const { return members.contains(member_id); }
  bool is_leader(const std::string& member_id) const { return leader && *leader == member_id; }
  bool static_member_fenced(const std::optional<std::string>& instance, const std::string& member_id) const {
    if (!instance) return false;
    auto it = static_members.find(*instance);
    return it != static_members.end() && it->second != member_id;
  }
  bool has_all_members_joined() const {
    for (const auto& [id, m] : members) {
      if (!m.awaiting_join) return false;
    }
    return pending_members.empty();
  }
  int32_t rebalance_timeout_ms() const {
    int32_t out = 0;
    for (const auto& [id, m] : members) out = std::max(out, m.rebalance_timeout_ms);
    return out;
  }
  // Protocols every member supports (Kafka's candidateProtocols), in the first member's order.
  std::vector<std::string> candidate_protocols() const {
    std::vector<std::string> out;
    if (members.empty()) return out;
    for (const Protocol& p : members.begin()->second.protocols) {
      const bool everyone = std::all_of(members.begin(), members.end(), [&](const auto& entry) {
        return entry.second.metadata_for(p.name) != nullptr;
      });
      if (everyone) out.push_back(p.name);
    }
    return out;
  }
  bool supports_protocols(const std::string& type, const std::vector<Protocol>& protocols) const {
    if (members.empty()) return !type.empty() && !protocols.empty();
    if (protocol_type != type) return false;
    const std::vector<std::string> candidates = candidate_protocols();
    return std::any_of(protocols.begin(), protocols.end(), [&](const Protocol& p) {
      return std::find(candidates.begin(), candidates.end(), p.name) != candidates.end();
    });
  }
  // Each member votes for its most preferred candidate; the most votes win (Kafka's selectProtocol).
  std::string select_protocol() const {
    const std::vector<std::string> candidates = candidate_protocols();
    std::map<std::string, int> votes;
    for (const auto& [id, m] : members) {
      for (const Protocol& p : m.protocols) {
        if (std::find(candidates.begin(), candidates.end(), p.name) != candidates.end()) {
          ++votes[p.name];
          break;
        }
      }
    }
    std::string best;
    int best_votes = -1;
    for (const std::string& c : candidates) {
      if (votes[c] > best_votes) best = c, best_votes = votes[c];
    }
    return best;
  }
  // The topics the members subscribe to (consumer protocol); nullopt when unknown.
  std::optional<std::set<std::string>> subscribed_topics() const {
    if (protocol_type != kConsumerProtocolType || !protocol_name) return std::nullopt;
    std::set<std::string> topics;
    for (const auto& [id, m] : members) {
      const bytes* metadata = m.metadata_for(protocol_name);
      if (!metadata) return std::nullopt;
      protocol::Reader reader(*metadata);
      int16_t version = reader.read_int16();
      if (!reader.ok() || version < 0) return std::nullopt;
      version = std::min(version, protocol::ConsumerProtocolSubscription::kHighestVersion);
      protocol::ConsumerProtocolSubscription subscription;
      subscription.read(reader, version);
      if (!reader.ok()) return std::nullopt;
      topics.insert(subscription.topics.begin(), subscription.topics.end());
    }
    return topics;
  }
};

}  // namespace strata::group
