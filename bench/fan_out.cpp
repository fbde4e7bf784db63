#include "fan_out.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "spawn_self.hpp"
#include "status.hpp"

namespace gpuparity {
namespace {

using json = nlohmann::ordered_json;

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

struct child_result {
  int exit_code = exit_failed;
  std::string out;
};

// One process of this program with `args`; stdout captured, stderr passed through. The
// caller's supervisor (gpuparity's trial timeout) bounds the time: the child is in this
// process's group.
child_result run_child(const std::vector<std::string>& args) {
  const auto child = spawn_self(args, "a --processes child");
  const int fd = child.out_fd;
  const pid_t pid = child.pid;
  child_result r;
  char buf[65536];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    r.out.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : exit_failed;
  return r;
}

}  // namespace

int processes_option(std::vector<std::string>& args) {
  int k = 1;
  for (std::size_t i = 1; i < args.size();) {
    std::string value;
    if (args[i] == "--processes" && i + 1 < args.size()) {
      value = args[i + 1];
      args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
    } else if (starts_with(args[i], "--processes=")) {
      value = args[i].substr(std::strlen("--processes="));
      args.erase(args.begin() + static_cast<long>(i));
    } else {
      ++i;
      continue;
    }
    std::size_t used = 0;
    try {
      k = std::stoi(value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != value.size() || k < 1 || k > 1000)
      throw std::invalid_argument("--processes: '" + value + "' is not a whole number in 1..1000");
  }
  return k;
}

namespace {

// Merges the processes' documents; throws std::runtime_error naming the process that wrote
// no usable one, or whose GPU differs from the first's.
json merge_processes(const std::vector<std::string>& child, int processes, int& worst) {
  json merged;
  for (int p = 0; p < processes; ++p) {
    const auto r = run_child(child);
    const std::string which = "process " + std::to_string(p) + " of " + std::to_string(processes);
    json doc;
    try {
      doc = json::parse(r.out);
    } catch (const json::parse_error&) {
      throw std::runtime_error(which + " exited " + std::to_string(r.exit_code) +
                               " without a JSON document");
    }
    if (!doc.is_object() || !doc.contains("benchmarks") || !doc["benchmarks"].is_array() ||
        (doc.contains("context") && !doc["context"].is_object()))
      throw std::runtime_error(which + " wrote no Google Benchmark document");
    if (r.exit_code != exit_ok && worst == exit_ok) worst = r.exit_code;
    const json context = doc.value("context", json::object());
    if (p == 0) {
      merged = doc;
      merged["benchmarks"] = json::array();
      merged["context"] = context;
      merged["context"]["gpuparity_processes"] = std::to_string(processes);
    } else if (context.value("gpu_uuid", json()) != merged["context"].value("gpu_uuid", json())) {
      throw std::runtime_error(which + " ran on another GPU than process 0");
    }
    for (auto b : doc["benchmarks"]) {
      b["process_index"] = p;
      merged["benchmarks"].push_back(std::move(b));
    }
  }
  return merged;
}

}  // namespace

int run_fanned_out(const std::vector<std::string>& args, int processes, const output_flags& flags,
                   const char* program) {
  std::vector<std::string> child = {args.front()};
  for (std::size_t i = 1; i < args.size(); ++i)
    if (!starts_with(args[i], "--benchmark_out") && !starts_with(args[i], "--benchmark_format"))
      child.push_back(args[i]);
  child.push_back("--benchmark_format=json");
  int worst = exit_ok;
  try {
    const json merged = merge_processes(child, processes, worst);
    emit_error_document(flags, merged.dump(2) + "\n");  // (it emits any document)
    return worst;
  } catch (const std::exception& e) {
    const std::string msg = std::string("--processes: ") + e.what();
    std::cerr << program << ": " << msg << "\n";
    emit_error_document(flags, error_document({}, msg, exit_failed));
    return exit_failed;
  }
}

}  // namespace gpuparity
