// The node's cluster metadata: the cluster id, every topic with its id, partition count and
// config overrides, and the dynamic broker configs (KIP-226: this node's and the cluster-wide
// defaults); persisted crash-safely under the first log dir. Format:
// docs/formats/metadata-log.md.
//
//   <first log dir>/strata-metadata/
//     snapshot.json     the whole state as of `last_record` (written atomically)
//     metadata.log      records after the snapshot: [u32 length][u32 CRC32C][JSON], fsynced each
//   <every log dir>/meta.properties   Kafka's: version=1, node.id, cluster.id, directory.id
//
// A change is durable once its record is appended and fsynced; on load a torn or corrupt tail of
// metadata.log (a crash mid-append) is cut off and reported. Every kSnapshotEvery records a new
// snapshot replaces the log. Not thread-safe: the broker touches it from one place.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "storage/file_io.h"
#include "storage/topic_id.h"

namespace strata::cluster {

struct TopicMetadata {
  std::string name;
  storage::TopicId id;
  int32_t partitions = 0;
  std::map<std::string, std::string> configs;  // overrides only
  friend bool operator==(const TopicMetadata&, const TopicMetadata&) = default;
};

class MetadataStore {
 public:
  static constexpr int kSnapshotEvery = 1000;

  // Opens (creating) the store and the meta.properties of every log dir. A log dir whose
  // meta.properties names another node.id or cluster.id is an error (Kafka refuses it too).
  static result<std::unique_ptr<MetadataStore>> open(const std::vector<std::filesystem::path>& log_dirs,
                                                     int32_t node_id, int snapshot_every = kSnapshotEvery);

  const std::string& cluster_id() const { return cluster_id_; }
  const std::map<std::string, TopicMetadata>& topics() const { return topics_; }
  const TopicMetadata* find(std::string_view name) const;
  const TopicMetadata* find(const storage::TopicId& id) const;
  // The dynamic broker configs of a broker resource: kDefaultBrokerResource ("") for the
  // cluster-wide defaults, or a node id ("1").
  static constexpr std::string_view kDefaultBrokerResource = "";
  const std::map<std::string, std::string>& broker_configs(std::string_view resource) const;
  // What load found wrong and repaired (a cut tail), for the startup log.
  const std::vector<std::string>& load_messages() const { return load_messages_; }

  // Each change is validated (topic_exists / unknown_topic), then made durable, then applied.
  result<TopicMetadata> create_topic(const std::string& name, int32_t partitions,
                                     std::map<std::string, std::string> configs);
  result<void> delete_topic(const std::string& name);
  result<void> set_configs(const std::string& name, std::map<std::string, std::string> configs);
  result<void> set_partition_count(const std::string& name, int32_t partitions);
  // Replaces a broker resource's dynamic configs (validated by the caller); empty removes them.
  result<void> set_broker_configs(const std::string& resource, std::map<std::string, std::string> configs);
  // A producer id never handed out before, across restarts too: ids come from blocks of
  // kProducerIdBlockSize whose end is made durable before the first id of a block is used
  // (Kafka's ProducerIdManager allocates blocks from the controller the same way).
  result<int64_t> allocate_producer_id();
  static constexpr int64_t kProducerIdBlockSize = 1000;

 private:
  explicit MetadataStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  result<void> load();
  result<void> append(const std::string& json);
  result<void> apply(const std::string& json);
  result<void> write_snapshot();

  std::filesystem::path dir_;
  std::string cluster_id_;
  std::map<std::string, TopicMetadata> topics_;
  std::map<std::string, std::map<std::string, std::string>> broker_configs_;  // resource -> configs
  int64_t next_producer_id_ = 0;       // the next id to hand out
  int64_t producer_id_block_end_ = 0;  // durable: no id at or above it was ever handed out
  storage::UniqueFd log_fd_;
  int64_t log_size_ = 0;
  int records_since_snapshot_ = 0;
  int snapshot_every_ = kSnapshotEvery;
  std::vector<std::string> load_messages_;
};

}  // namespace strata::cluster
