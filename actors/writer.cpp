#include "actors/writer.hpp"

#include "actors/interfaces.hpp"
#include "domain/error.hpp"
#include "storage/environment.hpp"

#include <caf/response_promise.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <spdlog/spdlog.h>

#include <variant>

namespace tropos::actors {

namespace {

struct writer_state {
  static inline const char* name = "writer";

  /// Batches waiting for the next commit, each with whom to tell.
  std::vector<storage::batch> pending;
  std::vector<std::variant<caf::response_promise, completion>> waiting;
  /// True while a flush message is in the mailbox.
  bool flush_queued = false;
  storage::environment* env = nullptr;
};

using writer_actor = caf::stateful_actor<writer_state>;

void queue_flush(writer_actor* self) {
  if (self->state.flush_queued)
    return;
  self->state.flush_queued = true;
  // A message to self goes behind everything already in the mailbox, so
  // the flush picks up every write that arrived before it.
  self->send(self, flush_atom::value);
}

void flush(writer_actor* self) {
  auto& st = self->state;
  st.flush_queued = false;
  if (st.pending.empty())
    return;
  auto err = st.env->commit(std::span<const storage::batch>{st.pending});
  if (err)
    spdlog::error("storage-commit-failed batches={} error={}",
                  st.pending.size(), describe(err));
  for (auto& waiter : st.waiting) {
    if (auto* rp = std::get_if<caf::response_promise>(&waiter)) {
      if (err)
        rp->deliver(err);
      else
        rp->deliver(true);
    } else {
      std::get<completion>(waiter)(err);
    }
  }
  st.pending.clear();
  st.waiting.clear();
}

caf::behavior writer(writer_actor* self, storage::environment* env) {
  self->state.env = env;
  // Commit what is pending before stopping, so a shutdown loses nothing
  // that a sender is waiting for.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    flush(self);
    self->quit(msg.reason);
  });
  return {
    [=](write_atom, storage::batch& changes) {
      auto rp = self->make_response_promise();
      self->state.pending.push_back(std::move(changes));
      self->state.waiting.emplace_back(rp);
      queue_flush(self);
      return rp;
    },
    [=](write_atom, storage::batch& changes, completion& done) {
      self->state.pending.push_back(std::move(changes));
      self->state.waiting.emplace_back(std::move(done));
      queue_flush(self);
    },
    [=](flush_atom) { flush(self); },
  };
}

} // namespace

caf::actor spawn_writer(caf::actor_system& sys, storage::environment& env) {
  return sys.spawn<caf::detached>(writer, &env);
}

} // namespace tropos::actors
