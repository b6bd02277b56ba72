// The admin HTTP server of a broker (admin.listener, default 127.0.0.1:9644): GET /metrics in
// Prometheus' text format with Kafka's metric names (server/metrics.h) and GET /health. It runs on
// the broker's event loop and closes when the broker stops.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include <memory>
#include <set>
#include <vector>

#include "base/result.h"
#include "server/broker.h"

namespace strata::admin {

class AdminServer {
 public:
  // Binds every admin listener of the broker's config (none: nothing to serve) and starts
  // accepting on the broker's loop. Call before Broker::start(), so that the broker's "Listening
  // for Kafka clients" line, which says it is ready, comes last.
  static result<std::unique_ptr<AdminServer>> start(server::Broker& broker);

  // The bound ports, in admin.listener order.
  const std::vector<uint16_t>& ports() const { return ports_; }

 private:
  explicit AdminServer(server::Broker& broker) : broker_(broker) {}
  asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor);
  asio::awaitable<void> serve(asio::ip::tcp::socket socket);
  std::string health_json() const;

  server::Broker& broker_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  std::vector<uint16_t> ports_;
  std::set<asio::ip::tcp::socket*> open_;  // connections being served, closed at stop
};

}  // namespace strata::admin
