// Follows Kafka 4.0's ConfigCommand for the topics and brokers entity types: the argument checks
// and their messages, the describe output, and (for --alter, librdkafka 2.0.2 having only the
// legacy AlterConfigs) the read-merge-write of Kafka's pre-2.3 tool.
#include "cli/configs_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <map>
#include <regex>
#include <set>

#include "cli/admin_client.h"
#include "cluster/properties.h"

namespace strata::cli {

namespace {

constexpr std::string_view kTopics = "topics";
constexpr std::string_view kBrokers = "brokers";
// The broker entity name of the cluster-wide defaults (ConfigCommand.BROKER_DEFAULT_ENTITY_NAME).
constexpr std::string_view kBrokerDefault = "";
// ConfigCommand.BROKER_SUPPORTED_CONFIG_TYPES: what Kafka's tool accepts; Strata's takes the first two.
constexpr std::array<std::string_view, 8> kKafkaEntityTypes = {"broker-loggers", "topics", "clients",        "users",
                                                               "brokers",        "ips",    "client-metrics", "groups"};
// librdkafka: the broker does not know the request (or this version of it).
constexpr int kUnsupportedFeature = -165;  // RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE
constexpr int kUnsupportedVersion = 35;    // UNSUPPORTED_VERSION

Error usage(std::string message) { return Error(AdminErrc::invalid_argument, std::move(message)); }

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? std::string(separator) : "") + items[i];
  return out;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// One entity: the type ("topics", "brokers") and the name ("" for the broker defaults).
struct Entity {
  std::string type;
  std::string name;
  bool has_name = false;  // false: every entity of the type (describe only)

  std::string singular() const { return type.substr(0, type.size() - 1); }
  ResourceType resource() const { return type == kTopics ? ResourceType::topic : ResourceType::broker; }
  // The source that makes a config this entity's own (ConfigCommand.getResourceConfig).
  ConfigSource dynamic_source() const {
    if (type == kTopics) return ConfigSource::dynamic_topic;
    return name.empty() ? ConfigSource::dynamic_default_broker : ConfigSource::dynamic_broker;
  }
};

bool is_integer(const std::string& s) {
  static const std::regex integer("[+-]?[0-9]+");
  return std::regex_match(s, integer);
}

// ConfigCommandOptions.checkArgs and processCommand, for the subset Strata's tool supports.
result<Entity> check_args(const ConfigsOptions& o) {
  if (o.describe + o.alter != 1) return usage("Command must include exactly one action: --describe, --alter");
  if (o.describe && o.add_config) return usage("Option \"[describe]\" can't be used with option \"[add-config]\"");
  if (o.describe && o.add_config_file) {
    return usage("Option \"[describe]\" can't be used with option \"[add-config-file]\"");
  }
  if (o.describe && !o.delete_configs.empty()) {
    return usage("Option \"[describe]\" can't be used with option \"[delete-config]\"");
  }

  std::vector<std::string> types = o.entity_types;
  if (o.topic) types.emplace_back(kTopics);
  if (o.broker || o.broker_defaults) types.emplace_back(kBrokers);
  std::set<std::string> seen;
  std::vector<std::string> duplicates;
  for (const auto& t : types) {
    if (!seen.insert(t).second && std::find(duplicates.begin(), duplicates.end(), t) == duplicates.end()) {
      duplicates.push_back(t);
    }
  }
  if (!duplicates.empty()) return usage(fmt::format("Duplicate entity type(s) specified: {}", join(duplicates, ",")));
  if (o.client.bootstrap_servers.empty()) {
    return usage("Either --bootstrap-server or --bootstrap-controller must be specified.");
  }
  for (const auto& t : types) {
    if (std::find(kKafkaEntityTypes.begin(), kKafkaEntityTypes.end(), t) == kKafkaEntityTypes.end()) {
      std::vector<std::string> allowed(kKafkaEntityTypes.begin(), kKafkaEntityTypes.end());
      return usage(
          fmt::format("Invalid entity type {}, the entity type must be one of {} with a --bootstrap-server "
                      "or --bootstrap-controller argument",
                      t, join(allowed, ", ")));
    }
    if (t != kTopics && t != kBrokers) {
      return usage(fmt::format("strata configs supports the entity types topics and brokers, not {}", t));
    }
  }
  if (types.empty()) return usage("At least one entity type must be specified");
  if (types.size() > 1) return usage("Only 'users' and 'clients' entity types may be specified together");
  const bool shorthand = o.topic || o.broker || o.broker_defaults;
  if ((!o.entity_names.empty() || !o.entity_types.empty() || o.entity_default) && shorthand) {
    return usage("--entity-{type,name,default} should not be used in conjunction with specific entity flags");
  }

  Entity entity{types.front(), "", false};
  const size_t names =
      o.entity_names.size() + (o.entity_default ? 1 : 0) + (o.topic || o.broker ? 1 : 0) + (o.broker_defaults ? 1 : 0);
  if (names > 1) return usage("An entity name must be specified for every entity type");
  if (!o.entity_names.empty()) entity = {entity.type, o.entity_names.front(), true};
  if (o.topic) entity = {entity.type, *o.topic, true};
  if (o.broker) entity = {entity.type, *o.broker, true};
  const bool is_default = o.entity_default || o.broker_defaults;
  if (is_default) entity = {entity.type, std::string(kBrokerDefault), true};

  if (entity.type == kBrokers && entity.has_name && !is_default && !is_integer(entity.name)) {
    return usage(fmt::format("The entity name for {} must be a valid integer broker id, but it is: {}", entity.type,
                             entity.name));
  }
  if (o.describe && is_default && entity.type != kBrokers) {
    return usage(fmt::format("--entity-default must not be specified with --describe of {}", entity.type));
  }
  if (o.alter) {
    if (entity.type == kBrokers && !entity.has_name) {
      return usage("An entity-name or default entity must be specified with --alter of users, clients, brokers or ips");
    }
    if (entity.type == kTopics && (!entity.has_name || is_default)) {
      return usage(fmt::format("An entity name must be specified with --alter of {}", entity.type));
    }
    if (o.add_config && o.add_config_file)
      return usage("Only one of --add-config or --add-config-file must be specified");
    if (!o.add_config && !o.add_config_file && o.delete_configs.empty()) {
      return usage(
          "At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter");
    }
  }
  return entity;
}

// ConfigCommand.validatePropsKey.
result<std::map<std::string, std::string>> check_keys(std::map<std::string, std::string> configs) {
  static const std::regex key_chars("[$a-zA-Z0-9._-]*");
  for (const auto& [key, value] : configs) {
    if (!std::regex_match(key, key_chars)) return usage(fmt::format("Invalid character found for config key: {}", key));
  }
  return configs;
}

// ConfigCommand.parseConfigsToBeAdded: the --add-config-file properties, then --add-config split
// at commas outside [], each part at its first `=` outside [] (an empty value is allowed),
// brackets dropped from values; keys of Kafka's characters only.
result<std::map<std::string, std::string>> parse_configs_to_add(const ConfigsOptions& o) {
  std::map<std::string, std::string> out;
  if (o.add_config_file) {
    auto file = cluster::read_properties_file(*o.add_config_file);
    if (!file) return usage(file.error().message());
    out = std::move(*file);
  }
  if (!o.add_config) return check_keys(std::move(out));
  const std::string& add_config = *o.add_config;
  static const std::regex comma(",(?=[^\\]]*(?:\\[|$))");
  static const std::regex equals("\\s*=\\s*(?=[^\\]]*(?:\\[|$))");
  static const std::regex brackets("\\[?\\]?");
  std::vector<std::string> pairs(std::sregex_token_iterator(add_config.begin(), add_config.end(), comma, -1),
                                 std::sregex_token_iterator());
  while (!pairs.empty() && pairs.back().empty()) pairs.pop_back();  // Java's split drops trailing empties
  for (const auto& pair : pairs) {
    std::vector<std::string> kv(std::sregex_token_iterator(pair.begin(), pair.end(), equals, -1),
                                std::sregex_token_iterator());
    if (kv.size() == 1 && std::regex_search(pair, equals)) kv.emplace_back();  // "key=" (split with limit -1)
    if (kv.size() != 2) {
      return usage(
          "Invalid entity config: all configs to be added must be in the format \"key=val\" or  \"key=[val1,val2]\" "
          "to group values which contain commas.");
    }
    out[trim(kv[0])] = trim(std::regex_replace(kv[1], brackets, ""));
  }
  return check_keys(std::move(out));
}

std::string synonyms_text(const ConfigEntry& entry) {
  std::vector<std::string> parts;
  for (const auto& s : entry.synonyms) {
    parts.push_back(fmt::format("{}:{}={}", config_source_name(s.source), s.name, s.value.value_or("null")));
  }
  return "{" + join(parts, ", ") + "}";
}

// The configs of one entity, sorted by name: all of them, or only its dynamic ones.
result<std::vector<ConfigEntry>> resource_configs(AdminClient& admin, const Entity& entity, bool all) {
  STRATA_TRY_ASSIGN(auto configs, admin.describe_configs(entity.resource(), entity.name));
  std::vector<ConfigEntry> out;
  for (auto& c : configs) {
    if (all || c.source == entity.dynamic_source()) out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const ConfigEntry& a, const ConfigEntry& b) { return a.name < b.name; });
  return out;
}

// The entities of the type that exist (ConfigCommand.describeResourceConfig): every topic, or
// every broker and then the cluster-wide broker defaults ("").
std::vector<std::string> entity_names(const Entity& entity, const ClusterInfo& cluster) {
  std::vector<std::string> names;
  if (entity.type == kTopics) {
    for (const auto& t : cluster.topics) names.push_back(t.name);
    return names;
  }
  for (int32_t id : cluster.brokers) names.push_back(std::to_string(id));
  names.emplace_back(kBrokerDefault);
  return names;
}

result<void> describe(AdminClient& admin, const ConfigsOptions& o, const Entity& entity, std::ostream& out,
                      std::ostream& err) {
  std::vector<std::string> names;
  // Without --all, a named entity that does not exist gets Kafka's note instead of an error.
  if (!entity.has_name || !o.all) {
    STRATA_TRY_ASSIGN(ClusterInfo cluster,
                      admin.describe_cluster(entity.type == kTopics ? "listTopics" : "describeCluster"));
    names = entity_names(entity, cluster);
  }
  if (entity.has_name) {
    if (!o.all && std::find(names.begin(), names.end(), entity.name) == names.end()) {
      out << fmt::format("The {} '{}' doesn't exist and doesn't have dynamic config.\n", entity.singular(),
                         entity.name);
      return success();
    }
    names = {entity.name};
  }
  for (const auto& name : names) {
    const Entity one{entity.type, name, true};
    auto configs = resource_configs(admin, one, o.all);
    if (!configs && !entity.has_name && configs.error().is(AdminErrc::unsupported)) {
      // Listing every broker: the cluster-wide defaults are left out, with the reason.
      err << "WARNING: " << configs.error().message() << "\n";
      continue;
    }
    if (!configs) return configs.error();
    if (entity.type == kBrokers && name.empty()) {
      out << fmt::format("Default configs for {} in the cluster are:\n", entity.type);
    } else {
      out << fmt::format("{} configs for {} {} are:\n", o.all ? "All" : "Dynamic", one.singular(), name);
    }
    for (const auto& c : *configs) {
      out << fmt::format("  {}={} sensitive={} synonyms={}\n", c.name, c.value.value_or("null"), c.sensitive,
                         synonyms_text(c));
    }
  }
  return success();
}

result<void> alter(AdminClient& admin, const ConfigsOptions& o, const Entity& entity, std::ostream& out) {
  STRATA_TRY_ASSIGN(auto to_add, parse_configs_to_add(o));
  std::vector<std::string> to_delete;
  for (const auto& d : o.delete_configs) to_delete.push_back(trim(d));

  STRATA_TRY_ASSIGN(auto current, resource_configs(admin, entity, /*all=*/false));
  std::map<std::string, std::optional<std::string>> merged;
  for (const auto& c : current) merged[c.name] = c.value;
  std::vector<std::string> invalid;
  for (const auto& d : to_delete) {
    if (!merged.contains(d)) invalid.push_back(d);
  }
  if (!invalid.empty()) return usage(fmt::format("Invalid config(s): {}", join(invalid, ",")));
  for (const auto& d : to_delete) merged.erase(d);
  for (const auto& [k, v] : to_add) merged[k] = v;

  // AlterConfigs replaces the whole set, and the broker never sends sensitive values back: they
  // must be given again or they would be lost (Kafka's legacy tool refused the same way).
  std::vector<std::string> missing;
  std::map<std::string, std::string> configs;
  for (const auto& [k, v] : merged) {
    if (v) {
      configs[k] = *v;
    } else {
      missing.push_back(k);
    }
  }
  if (!missing.empty()) {
    return usage(fmt::format("All sensitive {} config entries must be specified for --alter, missing entries: {}",
                             entity.singular(), join(missing, ",")));
  }

  if (auto altered = admin.alter_configs(entity.resource(), entity.name, configs); !altered) {
    const int code = altered.error().code();
    if (altered.error().category() == "kafka" && (code == kUnsupportedFeature || code == kUnsupportedVersion)) {
      return Error(AdminErrc::unsupported,
                   fmt::format("The ALTER_CONFIGS API is not supported by the cluster: {}", altered.error().message()));
    }
    return altered;
  }
  if (!entity.name.empty()) {
    out << fmt::format("Completed updating config for {} {}.\n", entity.singular(), entity.name);
  } else {
    out << fmt::format("Completed updating default config for {} in the cluster.\n", entity.type);
  }
  return success();
}

result<void> run(const ConfigsOptions& o, std::ostream& out, std::ostream& err) {
  STRATA_TRY_ASSIGN(Entity entity, check_args(o));
  STRATA_TRY_ASSIGN(AdminClient admin, create_admin_client(o.client, err));
  if (o.alter) return alter(admin, o, entity, out);
  return describe(admin, o, entity, out, err);
}

}  // namespace

CLI::App* add_configs_command(CLI::App& app, ConfigsOptions& o) {
  auto* cmd = app.add_subcommand("configs", "Describe or alter topic and broker configs (Kafka's kafka-configs.sh)");
  add_admin_client_options(*cmd, o.client, "The Kafka servers to connect to.");
  cmd->add_flag("--describe", o.describe, "List configs for the given entity.");
  cmd->add_flag("--alter", o.alter, "Alter the configuration for the entity.");
  cmd->add_flag("--all", o.all, "List all configs for the given entity, including static configs if available.");
  cmd->add_option("--entity-type", o.entity_types, "Type of entity (topics/brokers)");
  cmd->add_option("--entity-name", o.entity_names, "Name of entity (topic name/broker id)");
  cmd->add_flag("--entity-default", o.entity_default, "Default entity name for brokers");
  cmd->add_option("--topic", o.topic, "The topic's name.");
  cmd->add_option("--broker", o.broker, "The broker's ID.");
  cmd->add_flag("--broker-defaults", o.broker_defaults, "The config defaults for all brokers.");
  cmd->add_option("--add-config", o.add_config,
                  "Key Value pairs of configs to add. Square brackets can be used to group values which contain "
                  "commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'.");
  cmd->add_option("--add-config-file", o.add_config_file,
                  "Path to a properties file with configs to add. See add-config for a list of valid configurations.");
  cmd->add_option("--delete-config", o.delete_configs, "config keys to remove 'k1,k2'")->delimiter(',');
  return cmd;
}

int run_configs(const ConfigsOptions& options, const std::vector<std::string>& command_line, std::ostream& out,
                std::ostream& err) {
  auto done = run(options, out, err);
  if (done) return 0;
  if (done.error().is(AdminErrc::invalid_argument) || done.error().is(AdminErrc::unsupported)) {
    err << done.error().message() << "\n";
    return 1;
  }
  auto start = std::find(command_line.begin(), command_line.end(), "configs");
  start = start == command_line.end() ? command_line.begin() : start + 1;
  err << fmt::format("Error while executing config command with args '{}'\n",
                     join(std::vector<std::string>(start, command_line.end()), " "));
  const int code = done.error().code();
  err << (done.error().category() == "kafka" ? kafka_error_name(code) + ": " : "") << done.error().message() << "\n";
  return 1;
}

}  // namespace strata::cli
