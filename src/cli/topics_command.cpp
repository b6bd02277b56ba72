// Follows Kafka 4.0's org.apache.kafka.tools.TopicCommand: which options go together, the order of
// the checks, and every line it prints.
#include "cli/topics_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <iostream>
#include <regex>

#include "cli/admin_client.h"

namespace strata::cli {

namespace {

constexpr int kMaxReplicationFactor = 32767;  // Short.MAX_VALUE: the field is an INT16
constexpr std::string_view kMinInSyncReplicas = "min.insync.replicas";
constexpr std::string_view kConfigsToolHint = " (To alter topic configurations, the kafka-configs tool can be used.)";
// org.apache.kafka.common.internals.Topic.isInternal
constexpr std::array<std::string_view, 3> kInternalTopics = {"__consumer_offsets", "__transaction_state",
                                                             "__share_group_state"};

bool is_internal(std::string_view topic) {
  return std::find(kInternalTopics.begin(), kInternalTopics.end(), topic) != kInternalTopics.end();
}

Error usage(std::string message) { return Error(AdminErrc::invalid_argument, std::move(message)); }

// Kafka's IncludeList: commas mean "or", spaces and surrounding quotes are dropped, and the whole
// name must match.
class TopicFilter {
 public:
  static result<TopicFilter> parse(const std::optional<std::string>& raw) {
    TopicFilter filter;
    if (!raw || raw->empty()) return filter;
    std::string regex;
    for (char c : *raw) {
      if (c == ' ') continue;
      regex.push_back(c == ',' ? '|' : c);
    }
    const size_t first = regex.find_first_not_of("\"'");
    const size_t last = regex.find_last_not_of("\"'");
    regex = first == std::string::npos ? std::string() : regex.substr(first, last - first + 1);
    try {
      filter.regex_ = std::regex(regex, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      return usage(fmt::format("{} is an invalid regex.", regex));
    }
    return filter;
  }

  bool allowed(const std::string& topic, bool exclude_internal) const {
    if (exclude_internal && is_internal(topic)) return false;
    return !regex_ || std::regex_match(topic, *regex_);
  }

 private:
  std::optional<std::regex> regex_;
};

std::string join(const std::vector<int32_t>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  return out;
}

// TopicCommand.parseTopicConfigsToBeAdded: Java's split("\\s*=\\s*") (trailing empty parts are
// dropped) must give exactly a key and a value.
result<std::map<std::string, std::string>> parse_configs(const std::vector<std::string>& configs) {
  static const std::regex separator("\\s*=\\s*");
  std::map<std::string, std::string> out;
  for (const auto& config : configs) {
    std::vector<std::string> parts(std::sregex_token_iterator(config.begin(), config.end(), separator, -1),
                                   std::sregex_token_iterator());
    while (!parts.empty() && parts.back().empty()) parts.pop_back();
    if (parts.size() != 2) {
      return usage(
          "requirement failed: Invalid topic config: all configs to be added must be in the format \"key=val\".");
    }
    auto trim = [](const std::string& s) {
      const size_t b = s.find_first_not_of(" \t");
      return b == std::string::npos ? std::string() : s.substr(b, s.find_last_not_of(" \t") - b + 1);
    };
    out[trim(parts[0])] = trim(parts[1]);
  }
  return out;
}

// TopicCommandOptions.checkArgs: exactly one action, then the required and the forbidden options.
result<void> check_args(const TopicsOptions& o) {
  const int actions = o.create + o.list + o.describe + o.alter + o.delete_;
  if (actions != 1) {
    return usage("Command must include exactly one action: --list, --describe, --create, --alter or --delete");
  }
  if (o.client.bootstrap_servers.empty()) return usage("--bootstrap-server must be specified");
  if (!o.list && !o.describe && !o.topic) return usage("Missing required argument \"[topic]\"");
  if (o.alter) {
    if (!o.configs.empty()) {
      return usage(
          fmt::format("Option combination \"[bootstrap-server],[config]\" can't be used with option \"[alter]\"{}",
                      kConfigsToolHint));
    }
    if (!o.partitions) return usage("Missing required argument \"[partitions]\"");
  }
  const char* action = o.create ? "create" : o.list ? "list" : o.describe ? "describe" : o.alter ? "alter" : "delete";
  auto only_with = [&](bool used, const char* option, std::initializer_list<bool> allowed) -> result<void> {
    if (!used || std::find(allowed.begin(), allowed.end(), true) != allowed.end()) return success();
    return usage(fmt::format("Option \"[{}]\" can't be used with option \"[{}]\"", option, action));
  };
  STRATA_TRY(only_with(!o.configs.empty(), "config", {o.alter, o.create}));
  STRATA_TRY(only_with(o.partitions.has_value(), "partitions", {o.alter, o.create}));
  STRATA_TRY(only_with(o.replication_factor.has_value(), "replication-factor", {o.create}));
  const bool report = o.under_replicated_partitions || o.unavailable_partitions || o.under_min_isr_partitions ||
                      o.at_min_isr_partitions;
  STRATA_TRY(only_with(o.under_replicated_partitions, "under-replicated-partitions", {o.describe}));
  STRATA_TRY(only_with(o.unavailable_partitions, "unavailable-partitions", {o.describe}));
  STRATA_TRY(only_with(o.under_min_isr_partitions, "under-min-isr-partitions", {o.describe}));
  STRATA_TRY(only_with(o.at_min_isr_partitions, "at-min-isr-partitions", {o.describe}));
  STRATA_TRY(only_with(o.topics_with_overrides, "topics-with-overrides", {o.describe}));
  if (o.topics_with_overrides && report) {
    const char* option = o.under_replicated_partitions ? "under-replicated-partitions"
                         : o.unavailable_partitions    ? "unavailable-partitions"
                         : o.under_min_isr_partitions  ? "under-min-isr-partitions"
                                                       : "at-min-isr-partitions";
    return usage(fmt::format("Option \"[{}]\" can't be used with option \"[topics-with-overrides]\"", option));
  }
  STRATA_TRY(only_with(o.if_exists, "if-exists", {o.alter, o.delete_, o.describe}));
  STRATA_TRY(only_with(o.if_not_exists, "if-not-exists", {o.create}));
  STRATA_TRY(only_with(o.exclude_internal, "exclude-internal", {o.list, o.describe}));
  return success();
}

// The topics the command applies to: those --topic matches, sorted; fails when a --topic matched
// nothing unless --if-exists (TopicCommand.ensureTopicExists).
result<std::vector<TopicInfo>> matching_topics(AdminClient& admin, const TopicsOptions& o, bool require_exists) {
  STRATA_TRY_ASSIGN(TopicFilter filter, TopicFilter::parse(o.topic));
  STRATA_TRY_ASSIGN(ClusterInfo cluster, admin.describe_cluster("listTopics"));
  std::vector<TopicInfo> out;
  for (auto& topic : cluster.topics) {
    if (filter.allowed(topic.name, o.exclude_internal)) out.push_back(std::move(topic));
  }
  if (require_exists && o.topic && !o.topic->empty() && out.empty()) {
    return usage(fmt::format("Topic '{}' does not exist as expected", *o.topic));
  }
  return out;
}

result<void> create_topic(AdminClient& admin, const TopicsOptions& o, std::ostream& out) {
  if (o.topic->find_first_of("._") != std::string::npos) {
    out << "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could "
           "collide. To avoid issues it is best to use either, but not both.\n";
  }
  STRATA_TRY_ASSIGN(auto configs, parse_configs(o.configs));
  if (o.replication_factor && (*o.replication_factor < 1 || *o.replication_factor > kMaxReplicationFactor)) {
    return usage(fmt::format("The replication factor must be between 1 and {} inclusive", kMaxReplicationFactor));
  }
  if (o.partitions && *o.partitions < 1) return usage("The partitions must be greater than 0");
  NewTopic topic{*o.topic, o.partitions.value_or(-1), o.replication_factor.value_or(-1), std::move(configs)};
  if (auto created = admin.create_topic(topic); !created) {
    if (o.if_not_exists && created.error().is(KafkaErrc::topic_already_exists)) return success();
    return created;
  }
  out << "Created topic " << topic.name << ".\n";
  return success();
}

result<void> list_topics(AdminClient& admin, const TopicsOptions& o, std::ostream& out) {
  STRATA_TRY_ASSIGN(auto topics, matching_topics(admin, o, false));
  std::string names;
  for (size_t i = 0; i < topics.size(); ++i) names += (i ? "\n" : "") + topics[i].name;
  out << names << "\n";
  return success();
}

int min_isr(const std::vector<ConfigEntry>& configs) {
  for (const auto& c : configs) {
    if (c.name != kMinInSyncReplicas || !c.value) continue;
    int value = 1;
    std::from_chars(c.value->data(), c.value->data() + c.value->size(), value);
    return value;
  }
  return 1;
}

// One topic of --describe (TopicCommand.TopicDescription / PartitionDescription). Strata's and
// librdkafka 2.0.2's Metadata carry no ELR, so those print N/A as Kafka's tool does then; the
// topic id is not in librdkafka's metadata, and Kafka's tool leaves out an unknown (zero) id.
void describe_topic(const TopicsOptions& o, const TopicInfo& topic, const std::vector<ConfigEntry>& configs,
                    const std::vector<int32_t>& live_brokers, std::ostream& out) {
  const bool report = o.under_replicated_partitions || o.unavailable_partitions || o.under_min_isr_partitions ||
                      o.at_min_isr_partitions;
  if (topic.partitions.empty()) return;
  if (!report) {
    std::string overrides;
    for (const auto& c : configs) {
      if (c.source == ConfigSource::default_config) continue;
      overrides += fmt::format("{}{}={}", overrides.empty() ? "" : ",", c.name, c.value.value_or("null"));
    }
    if (!o.topics_with_overrides || !overrides.empty()) {
      out << fmt::format("Topic: {}\tPartitionCount: {}\tReplicationFactor: {}\tConfigs: {}\n", topic.name,
                         topic.partitions.size(), topic.partitions.front().replicas.size(), overrides);
    }
  }
  if (o.topics_with_overrides) return;
  const int min_isr_count = min_isr(configs);
  for (const auto& p : topic.partitions) {
    const bool has_leader = p.leader >= 0;
    const bool live_leader =
        has_leader && std::find(live_brokers.begin(), live_brokers.end(), p.leader) != live_brokers.end();
    const int isr = static_cast<int>(p.isr.size());
    const bool print = !report || (o.under_replicated_partitions && p.replicas.size() > p.isr.size()) ||
                       (o.unavailable_partitions && !live_leader) ||
                       (o.under_min_isr_partitions && (!has_leader || isr < min_isr_count)) ||
                       (o.at_min_isr_partitions && isr == min_isr_count);
    if (!print) continue;
    out << fmt::format("\tTopic: {}\tPartition: {}\tLeader: {}\tReplicas: {}\tIsr: {}\tElr: N/A\tLastKnownElr: N/A\n",
                       topic.name, p.id, has_leader ? std::to_string(p.leader) : "none", join(p.replicas), join(p.isr));
  }
}

result<void> describe_topics(AdminClient& admin, const TopicsOptions& o, std::ostream& out) {
  STRATA_TRY_ASSIGN(auto topics, matching_topics(admin, o, !o.if_exists));
  STRATA_TRY_ASSIGN(ClusterInfo cluster, admin.describe_cluster("describeCluster"));
  for (const auto& topic : topics) {
    STRATA_TRY_ASSIGN(auto configs, admin.describe_configs(ResourceType::topic, topic.name));
    describe_topic(o, topic, configs, cluster.brokers, out);
  }
  return success();
}

std::vector<std::string> names(const std::vector<TopicInfo>& topics) {
  std::vector<std::string> out;
  for (const auto& t : topics) out.push_back(t.name);
  return out;
}

result<void> alter_topics(AdminClient& admin, const TopicsOptions& o) {
  STRATA_TRY_ASSIGN(auto topics, matching_topics(admin, o, !o.if_exists));
  return admin.create_partitions(names(topics), *o.partitions);
}

result<void> delete_topics(AdminClient& admin, const TopicsOptions& o) {
  STRATA_TRY_ASSIGN(auto topics, matching_topics(admin, o, !o.if_exists));
  return admin.delete_topics(names(topics));
}

result<void> run(const TopicsOptions& o, std::ostream& out, std::ostream& err) {
  STRATA_TRY(check_args(o));
  STRATA_TRY_ASSIGN(AdminClient admin, create_admin_client(o.client, err));
  if (o.create) return create_topic(admin, o, out);
  if (o.list) return list_topics(admin, o, out);
  if (o.describe) return describe_topics(admin, o, out);
  if (o.alter) return alter_topics(admin, o);
  return delete_topics(admin, o);
}

}  // namespace

CLI::App* add_topics_command(CLI::App& app, TopicsOptions& o) {
  auto* cmd = app.add_subcommand("topics", "Create, delete, describe, or change a topic (Kafka's kafka-topics.sh)");
  add_admin_client_options(*cmd, o.client, "REQUIRED: The Kafka server to connect to.");
  cmd->add_flag("--create", o.create, "Create a new topic.");
  cmd->add_flag("--list", o.list, "List all available topics.");
  cmd->add_flag("--describe", o.describe, "List details for the given topics.");
  cmd->add_flag("--alter", o.alter, "Alter the number of partitions." + std::string(kConfigsToolHint));
  cmd->add_flag("--delete", o.delete_, "Delete a topic.");
  cmd->add_option("--topic", o.topic,
                  "The topic to create, alter, describe or delete. It also accepts a regular expression, except "
                  "for --create option.");
  cmd->add_option("--partitions", o.partitions,
                  "The number of partitions for the topic being created or altered. If not supplied with --create, "
                  "the topic uses the cluster default.");
  cmd->add_option("--replication-factor", o.replication_factor,
                  "The replication factor for each partition in the topic being created. If not supplied, the topic "
                  "uses the cluster default.");
  cmd->add_option("--config", o.configs, "A topic configuration override name=value for the topic being created.");
  cmd->add_flag("--if-exists", o.if_exists,
                "If set when altering or deleting or describing topics, the action will only execute if the topic "
                "exists.");
  cmd->add_flag("--if-not-exists", o.if_not_exists,
                "If set when creating topics, the create request will not fail if the topic already exists.");
  cmd->add_flag("--exclude-internal", o.exclude_internal, "Exclude internal topics when listing or describing topics.");
  cmd->add_flag("--topics-with-overrides", o.topics_with_overrides,
                "If set when describing topics, only show topics that have overridden configs.");
  cmd->add_flag("--under-replicated-partitions", o.under_replicated_partitions,
                "If set when describing topics, only show under-replicated partitions.");
  cmd->add_flag("--unavailable-partitions", o.unavailable_partitions,
                "If set when describing topics, only show partitions whose leader is not available.");
  cmd->add_flag("--under-min-isr-partitions", o.under_min_isr_partitions,
                "If set when describing topics, only show partitions whose isr count is less than the configured "
                "minimum.");
  cmd->add_flag("--at-min-isr-partitions", o.at_min_isr_partitions,
                "If set when describing topics, only show partitions whose isr count is equal to the configured "
                "minimum.");
  return cmd;
}

int run_topics(const TopicsOptions& options, std::ostream& out, std::ostream& err) {
  auto done = run(options, out, err);
  if (done) return 0;
  if (done.error().is(AdminErrc::invalid_argument)) {
    err << done.error().message() << "\n";
  } else {
    out << "Error while executing topic command : " << done.error().message() << "\n";
  }
  return 1;
}

}  // namespace strata::cli
