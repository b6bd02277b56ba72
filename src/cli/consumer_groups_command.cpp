#include "cli/consumer_groups_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <ostream>
#include <regex>
#include <set>

#include "cli/admin_client.h"
#include "cli/group_admin.h"

namespace strata::cli {

namespace {

constexpr std::string_view kMissing = "-";  // ConsumerGroupCommand.MISSING_COLUMN_VALUE
constexpr int kMinWidth = 15;

// Java's "%-Ns": left-aligned, padded to at least `width`.
std::string pad(std::string_view s, size_t width) {
  std::string out(s);
  if (out.size() < width) out.append(width - out.size(), ' ');
  return out;
}

std::string or_missing(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : std::string(kMissing); }

// One row of `--describe --offsets` (Kafka's PartitionAssignmentState).
struct OffsetRow {
  std::string topic;
  std::string partition;
  std::optional<int64_t> offset;
  std::optional<int64_t> log_end;
  std::string consumer_id;
  std::string host;
  std::string client_id;
};

// Kafka's shouldPrintMemberState: the messages for a dead, empty or rebalancing group; whether to
// print its table. A missing group is an error (returned through `failed`).
bool should_print(const std::string& group, const std::string& state, size_t rows, std::ostream& out,
                  std::ostream& err, bool& failed) {
  if (state == "Dead") {
    out << fmt::format("\nError: Consumer group '{}' does not exist.\n", group);
    failed = true;
    return false;
  }
  if (state == "Empty") err << fmt::format("\nConsumer group '{}' has no active members.\n", group);
  if (state == "PreparingRebalance" || state == "CompletingRebalance") {
    err << fmt::format("\nWarning: Consumer group '{}' is rebalancing.\n", group);
  }
  return rows > 0;
}

result<std::vector<OffsetRow>> offset_rows(AdminClient& client, const GroupDescription& group) {
  STRATA_TRY_ASSIGN(auto committed, committed_offsets(client, group.group_id));
  std::vector<OffsetRow> rows;
  std::set<GroupPartition> assigned;
  auto add = [&](const GroupPartition& tp, const std::string& consumer, const std::string& host,
                 const std::string& client_id) -> result<void> {
    OffsetRow row{tp.first, std::to_string(tp.second), std::nullopt, std::nullopt, consumer, host, client_id};
    if (auto it = committed.find(tp); it != committed.end()) row.offset = it->second;
    auto marks = watermarks(client, tp);
    if (marks) row.log_end = marks->high;
    rows.push_back(std::move(row));
    return success();
  };
  // Members with partitions, the most partitions first (Kafka's order), then committed partitions
  // no member holds.
  std::vector<const GroupMember*> members;
  for (const GroupMember& m : group.members) {
    if (!m.assignment.empty()) members.push_back(&m);
  }
  std::stable_sort(members.begin(), members.end(),
                   [](const GroupMember* a, const GroupMember* b) { return a->assignment.size() > b->assignment.size(); });
  for (const GroupMember* m : members) {
    for (const GroupPartition& tp : m->assignment) {
      assigned.insert(tp);
      STRATA_TRY(add(tp, m->consumer_id, m->host, m->client_id));
    }
  }
  for (const auto& [tp, offset] : committed) {
    if (!assigned.count(tp)) STRATA_TRY(add(tp, std::string(kMissing), std::string(kMissing), std::string(kMissing)));
  }
  return rows;
}

void print_offsets(const std::string& group, const std::vector<OffsetRow>& rows, std::ostream& out) {
  size_t g = kMinWidth, t = kMinWidth, c = kMinWidth, h = kMinWidth;
  for (const OffsetRow& r : rows) {
    g = std::max(g, group.size());
    t = std::max(t, r.topic.size());
    c = std::max(c, r.consumer_id.size());
    h = std::max(h, r.host.size());
  }
  auto line = [&](std::string_view a, std::string_view b, std::string_view p, std::string_view o, std::string_view e,
                  std::string_view l, std::string_view ci, std::string_view ho, std::string_view cl) {
    out << "\n"
        << pad(a, g) << " " << pad(b, t) << " " << pad(p, 10) << " " << pad(o, 15) << " " << pad(e, 15) << " "
        << pad(l, 15) << " " << pad(ci, c) << " " << pad(ho, h) << " " << cl;
  };
  line("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID");
  for (const OffsetRow& r : rows) {
    const std::optional<int64_t> lag =
        r.offset && r.log_end ? std::optional<int64_t>(*r.log_end - *r.offset) : std::nullopt;
    line(group, r.topic, r.partition, or_missing(r.offset), or_missing(r.log_end), or_missing(lag), r.consumer_id,
         r.host, r.client_id);
  }
  out << "\n";
}

// "orders:0,1;payments:2" (Kafka's getAssignmentString).
std::string assignment_string(const std::vector<GroupPartition>& assignment) {
  std::map<std::string, std::vector<int32_t>> by_topic;
  for (const auto& [topic, partition] : assignment) by_topic[topic].push_back(partition);
  std::string out;
  for (auto& [topic, partitions] : by_topic) {
    std::sort(partitions.begin(), partitions.end());
    out += fmt::format("{}{}:{}", out.empty() ? "" : ";", topic, fmt::join(partitions, ","));
  }
  return out;
}

void print_members(const GroupDescription& group, bool verbose, std::ostream& out) {
  size_t g = kMinWidth, c = kMinWidth, gi = 17, h = kMinWidth, cl = kMinWidth, current = 20, target = 20;
  bool with_instance = false;
  for (const GroupMember& m : group.members) {
    g = std::max(g, group.group_id.size());
    c = std::max(c, m.consumer_id.size());
    gi = std::max(gi, m.group_instance_id.size());
    h = std::max(h, m.host.size());
    cl = std::max(cl, m.client_id.size());
    with_instance = with_instance || !m.group_instance_id.empty();
    current = std::max(current, m.assignment.empty() ? size_t{1} : assignment_string(m.assignment).size());
  }
  auto columns = [&](std::string_view a, std::string_view b, std::string_view inst, std::string_view ho,
                     std::string_view cli, std::string_view n) {
    out << pad(a, g) << " " << pad(b, c) << " ";
    if (with_instance) out << pad(inst, gi) << " ";
    out << pad(ho, h) << " " << pad(cli, cl) << " " << pad(n, 15) << " ";
  };
  out << "\n";
  columns("GROUP", "CONSUMER-ID", "GROUP-INSTANCE-ID", "HOST", "CLIENT-ID", "#PARTITIONS");
  if (verbose) {
    out << pad("CURRENT-EPOCH", 15) << " " << pad("CURRENT-ASSIGNMENT", current) << " " << pad("TARGET-EPOCH", 15)
        << " " << pad("TARGET-ASSIGNMENT", target);
  }
  out << "\n";
  for (const GroupMember& m : group.members) {
    columns(group.group_id, m.consumer_id, m.group_instance_id, m.host, m.client_id,
            std::to_string(m.assignment.size()));
    if (verbose) {
      // A classic group has no epochs or target assignments (KIP-848 groups do).
      const std::string assigned = m.assignment.empty() ? std::string(kMissing) : assignment_string(m.assignment);
      out << pad(kMissing, 15) << " " << pad(assigned, current) << " " << pad(kMissing, 15) << " "
          << pad(kMissing, target);
    }
    out << "\n";
  }
}

void print_state(const GroupDescription& group, std::ostream& out) {
  const std::string coordinator =
      fmt::format("{}:{}  ({})", group.coordinator_host, group.coordinator_port, group.coordinator_id);
  const size_t c = std::max<size_t>(25, coordinator.size());
  const size_t g = std::max<size_t>(kMinWidth, group.group_id.size());
  auto line = [&](std::string_view a, std::string_view b, std::string_view s, std::string_view st,
                  std::string_view n) {
    out << "\n" << pad(a, g) << " " << pad(b, c) << " " << pad(s, 20) << " " << pad(st, 20) << " " << n;
  };
  line("GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS");
  line(group.group_id, coordinator, group.assignor.empty() ? kMissing : std::string_view(group.assignor),
       group.state, std::to_string(group.members.size()));
  out << "\n";
}

result<std::vector<std::string>> target_groups(AdminClient& client, const ConsumerGroupsOptions& o) {
  if (!o.all_groups) return o.groups;
  STRATA_TRY_ASSIGN(auto listed, list_groups(client, {}));
  std::vector<std::string> out;
  for (const GroupListing& l : listed) out.push_back(l.group_id);
  return out;
}

result<void> run_list(AdminClient& client, const ConsumerGroupsOptions& o, std::ostream& out) {
  STRATA_TRY_ASSIGN(auto listed, list_groups(client, o.state_filter));
  if (!o.state) {
    for (const GroupListing& l : listed) out << l.group_id << "\n";
    return success();
  }
  size_t width = kMinWidth;
  for (const GroupListing& l : listed) width = std::max(width, l.group_id.size());
  width += 10;
  out << pad("GROUP", width) << " " << pad("STATE", 20) << "\n";
  for (const GroupListing& l : listed) out << pad(l.group_id, width) << " " << pad(l.state, 20) << "\n";
  return success();
}

result<void> run_describe(AdminClient& client, const ConsumerGroupsOptions& o, std::ostream& out, std::ostream& err,
                          bool& failed) {
  STRATA_TRY_ASSIGN(auto groups, target_groups(client, o));
  std::sort(groups.begin(), groups.end());  // Kafka's TreeMap order
  for (const std::string& id : groups) {
    STRATA_TRY_ASSIGN(GroupDescription group, describe_group(client, id));
    if (o.offsets || (!o.members && !o.state)) {
      STRATA_TRY_ASSIGN(auto rows, offset_rows(client, group));
      if (should_print(id, group.state, rows.size(), out, err, failed)) print_offsets(id, rows, out);
    } else if (o.members) {
      if (should_print(id, group.state, group.members.size(), out, err, failed)) print_members(group, o.verbose, out);
    } else if (should_print(id, group.state, 1, out, err, failed)) {
      print_state(group, out);
    }
  }
  return success();
}

result<void> run_delete(AdminClient& client, const ConsumerGroupsOptions& o, std::ostream& out, bool& failed) {
  STRATA_TRY_ASSIGN(auto groups, target_groups(client, o));
  STRATA_TRY_ASSIGN(auto outcome, delete_groups(client, groups));
  std::vector<std::string> deleted;
  std::vector<std::pair<std::string, Error>> errors;
  for (const auto& [group, error] : outcome) {
    if (error) {
      errors.emplace_back(group, *error);
    } else {
      deleted.push_back(group);
    }
  }
  if (errors.empty()) {
    out << fmt::format("Deletion of requested consumer groups ('{}') was successful.\n", fmt::join(deleted, "', '"));
    return success();
  }
  failed = true;
  out << "\nError: Deletion of some consumer groups failed:\n";
  for (const auto& [group, error] : errors) {
    out << fmt::format("* Group '{}' could not be deleted due to: {}: {}\n", group, kafka_error_name(error.code()),
                       error.message());
  }
  if (!deleted.empty()) {
    out << fmt::format("\nThese consumer groups were deleted successfully: '{}'\n", fmt::join(deleted, "', '"));
  }
  return success();
}

// --topic T or T:0,1,2 (Kafka's parseTopicsWithPartitions) to partitions; a topic without a list
// means all of its partitions.
result<std::vector<GroupPartition>> partitions_to_reset(AdminClient& client, const ConsumerGroupsOptions& o,
                                                        const std::map<GroupPartition, int64_t>& committed) {
  std::set<GroupPartition> out;
  if (o.all_topics) {
    for (const auto& [tp, offset] : committed) out.insert(tp);
    return std::vector<GroupPartition>(out.begin(), out.end());
  }
  std::optional<ClusterInfo> cluster;
  for (const std::string& spec : o.topics) {
    const size_t colon = spec.find(':');
    const std::string topic = spec.substr(0, colon);
    if (colon != std::string::npos) {
      for (const std::string& p : CLI::detail::split(spec.substr(colon + 1), ',')) {
        try {
          out.insert({topic, std::stoi(p)});
        } catch (const std::exception&) {
          return Error(AdminErrc::invalid_argument, fmt::format("Invalid partition '{}' in --topic {}", p, spec));
        }
      }
      continue;
    }
    if (!cluster) {
      STRATA_TRY_ASSIGN(ClusterInfo info, client.describe_cluster("describeTopics"));
      cluster = std::move(info);
    }
    auto it = std::find_if(cluster->topics.begin(), cluster->topics.end(),
                           [&](const TopicInfo& t) { return t.name == topic; });
    if (it == cluster->topics.end() || it->error != 0) {
      return Error(KafkaErrc::unknown_topic_or_partition,
                   fmt::format("The topic '{}' does not exist in the cluster.", topic));
    }
    for (const PartitionInfo& p : it->partitions) out.insert({topic, p.id});
  }
  return std::vector<GroupPartition>(out.begin(), out.end());
}

// Kafka's GroupOffsetsResetter.prepareOffsetsToReset for one group.
result<std::map<GroupPartition, int64_t>> plan_reset(AdminClient& client, const ConsumerGroupsOptions& o,
                                                     const std::vector<GroupPartition>& partitions,
                                                     const std::map<GroupPartition, int64_t>& committed) {
  std::map<GroupPartition, int64_t> plan;
  std::optional<int64_t> timestamp;
  if (o.to_datetime) {
    timestamp = parse_kafka_datetime(*o.to_datetime);
    if (!timestamp) {
      return Error(AdminErrc::invalid_argument,
                   fmt::format("Error parsing timestamp '{}': use YYYY-MM-DDTHH:mm:SS.sss, optionally with a zone "
                               "(Z, +hh:mm)",
                               *o.to_datetime));
    }
  } else if (o.by_duration) {
    const auto duration = parse_iso_duration_ms(*o.by_duration);
    if (!duration) {
      return Error(AdminErrc::invalid_argument,
                   fmt::format("Error parsing duration '{}': use PnDTnHnMnS, for example P1DT2H or PT30M", *o.by_duration));
    }
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    timestamp = now - *duration;
  }
  std::map<GroupPartition, int64_t> by_time;
  if (timestamp) {
    std::map<GroupPartition, int64_t> query;
    for (const GroupPartition& tp : partitions) query[tp] = *timestamp;
    STRATA_TRY_ASSIGN(by_time, offsets_for_times(client, query));
  }
  for (const GroupPartition& tp : partitions) {
    STRATA_TRY_ASSIGN(Watermarks w, watermarks(client, tp));
    const auto clamp = [&](int64_t offset) { return std::clamp(offset, w.low, w.high); };
    const auto current = committed.find(tp);
    if (o.to_earliest) {
      plan[tp] = w.low;
    } else if (o.to_latest) {
      plan[tp] = w.high;
    } else if (o.to_current) {
      plan[tp] = current != committed.end() ? current->second : w.high;
    } else if (o.to_offset) {
      plan[tp] = clamp(*o.to_offset);
    } else if (o.shift_by) {
      if (current == committed.end()) {
        return Error(AdminErrc::invalid_argument,
                     fmt::format("Cannot shift offset for partition {}-{} since there is no current committed offset",
                                 tp.first, tp.second));
      }
      plan[tp] = clamp(current->second + *o.shift_by);
    } else {
      const auto found = by_time.find(tp);
      plan[tp] = found != by_time.end() && found->second >= 0 ? found->second : w.high;
    }
  }
  return plan;
}

void print_plan(const std::map<std::string, std::map<GroupPartition, int64_t>>& plans, std::ostream& out) {
  size_t g = kMinWidth, t = kMinWidth;
  for (const auto& [group, plan] : plans) {
    g = std::max(g, group.size());
    for (const auto& [tp, offset] : plan) t = std::max(t, tp.first.size());
  }
  auto line = [&](std::string_view a, std::string_view b, std::string_view p, std::string_view n) {
    out << "\n" << pad(a, g) << " " << pad(b, t) << " " << pad(p, 10) << " " << n;
  };
  if (!plans.empty()) line("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
  for (const auto& [group, plan] : plans) {
    for (const auto& [tp, offset] : plan) line(group, tp.first, std::to_string(tp.second), std::to_string(offset));
  }
  out << "\n";
}

result<void> run_reset(AdminClient& client, const ConsumerGroupsOptions& o, std::ostream& out, bool& failed) {
  const int scenarios = int{o.to_earliest} + int{o.to_latest} + int{o.to_current} + int{o.to_offset.has_value()} +
                        int{o.shift_by.has_value()} + int{o.to_datetime.has_value()} + int{o.by_duration.has_value()};
  if (scenarios != 1) {
    return Error(AdminErrc::invalid_argument,
                 "Option [reset-offsets] takes exactly one of these options: --to-earliest, --to-latest, "
                 "--to-current, --to-offset, --shift-by, --to-datetime, --by-duration");
  }
  if (o.topics.empty() == !o.all_topics) {
    return Error(AdminErrc::invalid_argument, "Option [reset-offsets] takes one of these options: --all-topics, --topic");
  }
  if (o.dry_run && o.execute) {
    return Error(AdminErrc::invalid_argument, "Option [reset-offsets] takes at most one of these options: --dry-run, --execute");
  }
  STRATA_TRY_ASSIGN(auto groups, target_groups(client, o));
  std::map<std::string, std::map<GroupPartition, int64_t>> plans;
  for (const std::string& id : groups) {
    STRATA_TRY_ASSIGN(GroupDescription group, describe_group(client, id));
    if (group.state != "Empty" && group.state != "Dead") {
      out << fmt::format(
          "\nError: Assignments can only be reset if the group '{}' is inactive, but the current state is {}.\n", id,
          group.state);
      failed = true;
      continue;
    }
    STRATA_TRY_ASSIGN(auto committed, committed_offsets(client, id));
    STRATA_TRY_ASSIGN(auto partitions, partitions_to_reset(client, o, committed));
    STRATA_TRY_ASSIGN(auto plan, plan_reset(client, o, partitions, committed));
    // Dry run is the default without --execute, as in Kafka's tool.
    if (o.execute && !plan.empty()) STRATA_TRY(alter_offsets(client, id, plan));
    plans[id] = std::move(plan);
  }
  print_plan(plans, out);
  return success();
}

result<void> run(const ConsumerGroupsOptions& o, std::ostream& out, std::ostream& err, bool& failed) {
  const int actions = int{o.list} + int{o.describe} + int{o.delete_} + int{o.reset_offsets};
  if (actions != 1) {
    return Error(AdminErrc::invalid_argument,
                 "Command must include exactly one action: --list, --describe, --delete, --reset-offsets");
  }
  if (o.bootstrap_server.empty()) {
    return Error(AdminErrc::invalid_argument, "Missing required argument \"[bootstrap-server]\"");
  }
  if (!o.list && o.groups.empty() && !o.all_groups) {
    return Error(AdminErrc::invalid_argument, "Option [--group] or [--all-groups] is required");
  }
  std::vector<std::string> warnings;
  STRATA_TRY_ASSIGN(AdminClient client, AdminClient::create({o.bootstrap_server, o.command_config}, &warnings));
  for (const std::string& w : warnings) err << w << "\n";
  if (o.list) return run_list(client, o, out);
  if (o.describe) return run_describe(client, o, out, err, failed);
  if (o.delete_) return run_delete(client, o, out, failed);
  return run_reset(client, o, out, failed);
}

int digits(const std::string& s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

std::optional<int64_t> parse_kafka_datetime(const std::string& text) {
  // yyyy-MM-ddTHH:mm:ss[.SSS][zone]
  const int year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
  const int hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 60 || text.size() < 19 || text[4] != '-' || text[7] != '-' ||
      text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  size_t pos = 19;
  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    millis = digits(text, pos + 1, 3);
    if (millis < 0) return std::nullopt;
    pos += 4;
  }
  int64_t offset_minutes = 0;
  if (pos < text.size()) {
    if (text[pos] == 'Z' && pos + 1 == text.size()) {
      pos += 1;
    } else if (text[pos] == '+' || text[pos] == '-') {
      const int sign = text[pos] == '+' ? 1 : -1;
      const int hh = digits(text, pos + 1, 2);
      size_t mm_at = pos + 3;
      if (mm_at < text.size() && text[mm_at] == ':') ++mm_at;
      const int mm = mm_at < text.size() ? digits(text, mm_at, 2) : 0;
      if (hh < 0 || mm < 0 || (mm_at < text.size() && mm_at + 2 != text.size())) return std::nullopt;
      offset_minutes = sign * (hh * 60 + mm);
    } else {
      return std::nullopt;
    }
  }
  // Days from the civil date (Howard Hinnant's algorithm), UTC.
  const int y = year - (month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = static_cast<int64_t>(era) * 146097 + doe - 719468;
  const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1000 + millis;
}

std::optional<int64_t> parse_iso_duration_ms(const std::string& text) {
  static const std::regex pattern(R"(([-+]?)P(?:([-+]?[0-9]+)D)?(T(?:([-+]?[0-9]+)H)?(?:([-+]?[0-9]+)M)?(?:([-+]?[0-9]+)(?:[.,]([0-9]{0,9}))?S)?)?)",
                                  std::regex::icase);
  std::smatch m;
  if (!std::regex_match(text, m, pattern)) return std::nullopt;
  if (!m[2].matched && !m[4].matched && !m[5].matched && !m[6].matched) return std::nullopt;  // "P", "PT"
  if (m[3].matched && !m[4].matched && !m[5].matched && !m[6].matched) return std::nullopt;
  auto number = [&](int i) -> int64_t { return m[i].matched ? std::stoll(m[i].str()) : 0; };
  int64_t ms = number(2) * 86'400'000 + number(4) * 3'600'000 + number(5) * 60'000 + number(6) * 1000;
  if (m[7].matched && !m[7].str().empty()) {
    std::string fraction = (m[7].str() + "000").substr(0, 3);
    ms += (number(6) < 0 || m[6].str().front() == '-' ? -1 : 1) * std::stoll(fraction);
  }
  return m[1].str() == "-" ? -ms : ms;
}

CLI::App* add_consumer_groups_command(CLI::App& app, ConsumerGroupsOptions& o) {
  auto* cmd = app.add_subcommand("consumer-groups",
                                 "List, describe, delete consumer groups, or reset their offsets (Kafka's "
                                 "kafka-consumer-groups.sh)");
  cmd->add_option("--bootstrap-server", o.bootstrap_server, "REQUIRED: The server(s) to connect to.");
  cmd->add_option("--command-config", o.command_config,
                  "Property file containing configs to be passed to the admin client (librdkafka names; "
                  "default.api.timeout.ms bounds each call).");
  cmd->add_flag("--list", o.list, "List all consumer groups.");
  cmd->add_flag("--describe", o.describe, "Describe consumer group and list offset lag (number of messages not yet "
                                          "processed) related to given group.");
  cmd->add_flag("--delete", o.delete_, "Pass in groups to delete topic partition offsets and ownership information "
                                       "over the entire consumer group.");
  cmd->add_flag("--reset-offsets", o.reset_offsets,
                "Reset offsets of consumer group. Supports one consumer group at the time, and instances should be "
                "inactive. Has 2 execution options: --dry-run (the default) to plan which offsets to reset, and "
                "--execute to update the offsets.");
  cmd->add_option("--group", o.groups, "The consumer group we wish to act on (repeatable).");
  cmd->add_flag("--all-groups", o.all_groups, "Apply to all consumer groups.");
  cmd->add_flag("--members", o.members, "Describe members of the group.");
  cmd->add_flag("--offsets", o.offsets, "Describe the group and list all topic partitions in the group along with "
                                        "their offset lag. This is the default sub-action.");
  cmd->add_option_function<std::string>(
         "--state",
         [&o](const std::string& value) {
           o.state = true;
           for (const std::string& s : CLI::detail::split(value, ',')) {
             if (!CLI::detail::trim_copy(s).empty()) o.state_filter.push_back(CLI::detail::trim_copy(s));
           }
         },
         "When specified with '--describe', includes the state of the group. When specified with '--list', it "
         "displays the state of all groups, and filters them by the states given (comma-separated).")
      ->expected(0, 1)
      ->default_str("");
  cmd->add_flag("--verbose", o.verbose, "Provide additional information, if any, when describing the group.");
  cmd->add_option("--topic", o.topics,
                  "The topic whose consumer group information should be reset, as TOPIC or TOPIC:P,P,... "
                  "(repeatable).");
  cmd->add_flag("--all-topics", o.all_topics, "Consider all topics assigned to a group in the reset-offsets process.");
  cmd->add_flag("--to-earliest", o.to_earliest, "Reset offsets to earliest offset.");
  cmd->add_flag("--to-latest", o.to_latest, "Reset offsets to latest offset.");
  cmd->add_flag("--to-current", o.to_current, "Reset offsets to current offset.");
  cmd->add_option("--to-offset", o.to_offset, "Reset offsets to a specific offset.");
  cmd->add_option("--shift-by", o.shift_by, "Reset offsets shifting current offset by 'n', where 'n' can be "
                                            "positive or negative.");
  cmd->add_option("--to-datetime", o.to_datetime, "Reset offsets to offset from datetime. Format: "
                                                  "'YYYY-MM-DDTHH:mm:SS.sss'");
  cmd->add_option("--by-duration", o.by_duration, "Reset offsets to offset by duration from current timestamp. "
                                                  "Format: 'PnDTnHnMnS'");
  cmd->add_flag("--dry-run", o.dry_run, "Only show results without executing changes on Consumer Groups.");
  cmd->add_flag("--execute", o.execute, "Execute operation.");
  return cmd;
}

int run_consumer_groups(const ConsumerGroupsOptions& options, std::ostream& out, std::ostream& err) {
  bool failed = false;
  auto done = run(options, out, err, failed);
  if (done) return failed ? 1 : 0;
  if (done.error().is(AdminErrc::invalid_argument)) {
    err << done.error().message() << "\n";
  } else {
    out << "\nError: Executing consumer group command failed due to " << done.error().message() << "\n";
  }
  return 1;
}

}  // namespace strata::cli
