// The broker's side of the group coordinator (src/group): it owns the GroupCoordinator, appends
// its records to `__consumer_offsets` (creating the topic on first use: offsets.topic.num.partitions
// partitions, compacted), loads the topic back into the coordinator at startup before its groups
// are served (COORDINATOR_LOAD_IN_PROGRESS meanwhile), and drives its timeouts from a timer on
// the event loop. Everything runs on the loop thread.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <memory>

#include "base/types.h"
#include "group/group_coordinator.h"

namespace strata::server {

class Broker;

class GroupService final : public group::OffsetsLog {
 public:
  explicit GroupService(Broker& broker);
  ~GroupService() override;

  group::GroupCoordinator& coordinator() { return *coordinator_; }
  // Starts loading __consumer_offsets (when it exists) and the timeout loop.
  void start();
  // Answers every waiting JoinGroup/SyncGroup and stops the loops (broker shutdown).
  void stop();
  // Creates __consumer_offsets when it does not exist yet (FindCoordinator does this, as Kafka).
  result<void> ensure_topic();

  void append(int32_t partition, std::vector<group::OffsetsTopicWrite> records,
              std::function<void(group::ErrorCode)> done) override;

 private:
  asio::awaitable<void> load();
  asio::awaitable<void> tick_loop();
  result<void> load_partition_chunk(int32_t partition, Offset& next, bool& done);

  Broker& broker_;
  std::unique_ptr<group::GroupCoordinator> coordinator_;
  asio::steady_timer tick_timer_;
  bool stopped_ = false;
};

}  // namespace strata::server
