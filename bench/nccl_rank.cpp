// One rank of an nccl/ case: a process of gpuparity-bench started by nccl_cases.cpp with
// `--gpuparity-nccl-rank OP BYTES RANK RANKS SEED ITERATIONS PARENT_PID`, on the visible GPU
// numbered RANK. It reports on stdout in the lines rank_group.hpp defines. Built only where
// configure found nccl.h; libnccl.so.2 is loaded at run time (dlopen), so gpuparity-bench
// starts on machines and in images without NCCL, where these cases say not_supported.
#include <dlfcn.h>
#include <nccl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "affinity.hpp"
#include "case_runner.hpp"
#include "cases.hpp"
#include "collective_math.hpp"
#include "fill.cuh"
#include "rank_group.hpp"
#include "status.hpp"

namespace gpuparity {
namespace {

// The NCCL entry points this rank uses, from the library loaded at run time.
struct nccl_api {
  decltype(&ncclGetVersion) get_version = nullptr;
  decltype(&ncclGetUniqueId) get_unique_id = nullptr;
  decltype(&ncclCommInitRank) comm_init_rank = nullptr;
  decltype(&ncclCommDestroy) comm_destroy = nullptr;
  decltype(&ncclAllReduce) all_reduce = nullptr;
  decltype(&ncclAllGather) all_gather = nullptr;
  decltype(&ncclGetErrorString) error_string = nullptr;
};

// The library configure found and the build was made against (GPUPARITY_NCCL_LIBRARY: e.g.
// the nvidia-nccl pip package's) first, so a host's other NCCL does not stand in for it;
// else libnccl.so.2 as the loader finds it (LD_LIBRARY_PATH, the program's RUNPATH, where
// the prebuilt image carries that same library, then ld.so.cache).
nccl_api load_nccl() {
  std::string tried;
  void* h = nullptr;
#ifdef GPUPARITY_NCCL_LIBRARY
  h = dlopen(GPUPARITY_NCCL_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  if (!h) tried = std::string(GPUPARITY_NCCL_LIBRARY) + ": " + dlerror() + "; ";
#endif
  if (!h) {
    h = dlopen("libnccl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!h) tried += std::string("libnccl.so.2: ") + dlerror();
  }
  if (!h) throw gpu_error(error_kind::not_supported, 0, "NCCL could not be loaded (" + tried + ")");
  nccl_api api;
  auto find = [h](auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name));
    if (!fn) throw gpu_error(error_kind::not_supported, 0, std::string("NCCL lacks ") + name);
  };
  find(api.get_version, "ncclGetVersion");
  find(api.get_unique_id, "ncclGetUniqueId");
  find(api.comm_init_rank, "ncclCommInitRank");
  find(api.comm_destroy, "ncclCommDestroy");
  find(api.all_reduce, "ncclAllReduce");
  find(api.all_gather, "ncclAllGather");
  find(api.error_string, "ncclGetErrorString");
  return api;
}

void nccl_check(const nccl_api& api, ncclResult_t r, const char* expr, int line) {
  if (r != ncclSuccess)
    throw gpu_error(error_kind::cuda, r,
                    std::string(api.error_string(r)) + " in " + expr + " at " + __FILE__ + ":" +
                        std::to_string(line));
}
#define GPUPARITY_NCCL_CHECK(api, expr) nccl_check(api, (api).expr, #expr, __LINE__)

constexpr int id_timeout_ms = 120000;  // rank 0 may take a while to start its bootstrap
constexpr std::size_t precheck_points = 1 << 16;

// The communicator, destroyed with its rank.
class nccl_comm {
 public:
  nccl_comm(const nccl_api& api, int ranks, const ncclUniqueId& id, int rank) : api_(api) {
    GPUPARITY_NCCL_CHECK(api, comm_init_rank(&comm_, ranks, id, rank));
  }
  nccl_comm(const nccl_comm&) = delete;
  nccl_comm& operator=(const nccl_comm&) = delete;
  ~nccl_comm() { api_.comm_destroy(comm_); }
  ncclComm_t get() const { return comm_; }
  const nccl_api& api() const { return api_; }

 private:
  const nccl_api& api_;
  ncclComm_t comm_ = nullptr;
};

// The id line the parent relays from rank 0, read with a deadline.
ncclUniqueId read_unique_id() {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(id_timeout_ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) throw std::runtime_error("no communicator id on stdin within 120 s");
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char c = 0;
    const ssize_t n = read(STDIN_FILENO, &c, 1);
    if (n <= 0) throw std::runtime_error("stdin closed before the communicator id came");
    if (c == '\n') break;
    line += c;
  }
  const std::string tag = std::string(unique_id_tag) + " ";
  if (line.compare(0, tag.size(), tag) != 0) throw std::runtime_error("not an id line: " + line);
  ncclUniqueId id;
  from_hex(line.substr(tag.size()), &id, sizeof id);
  return id;
}

void run_collective(collective op, const device_buffer& send, device_buffer& recv,
                    std::size_t count, const nccl_comm& comm, cudaStream_t s) {
  const nccl_api& api = comm.api();
  if (op == collective::all_reduce)
    GPUPARITY_NCCL_CHECK(
        api, all_reduce(send.get(), recv.get(), count, ncclFloat, ncclSum, comm.get(), s));
  else
    GPUPARITY_NCCL_CHECK(api, all_gather(send.get(), recv.get(), count, ncclFloat, comm.get(), s));
}

// The output against the host's expected values: every `stride`-th element and the last.
void check_output(collective op, const device_buffer& recv, std::size_t count, int ranks,
                  std::uint64_t seed, std::size_t stride, const char* when) {
  const std::size_t n = recv.bytes() / sizeof(float);
  std::vector<float> got(n);
  GPUPARITY_CUDA_CHECK(cudaMemcpy(got.data(), recv.get(), recv.bytes(), cudaMemcpyDeviceToHost));
  auto check = [&](std::size_t i) {
    const float want = expected_value(op, seed, ranks, count, i);
    if (got[i] != want)  // exact by construction (collective_math.hpp)
      throw gpu_error(error_kind::incorrect, 0,
                      std::string(collective_name(op)) + " element " + std::to_string(i) + " " +
                          when + ": " + std::to_string(got[i]) + ", expected " +
                          std::to_string(want));
  };
  for (std::size_t i = 0; i < n; i += stride) check(i);
  check(n - 1);
}

struct rank_args {
  collective op = collective::all_reduce;
  std::size_t bytes = 0;
  int rank = 0, ranks = 1, iterations = 1;
  std::uint64_t seed = 0;
  pid_t parent = 0;
};

rank_args parse_args(int argc, char** argv) {
  if (argc != 9)
    throw std::invalid_argument("expected 7 arguments after " + std::string(nccl_rank_flag));
  rank_args a;
  const std::string op = argv[2];
  if (op == "all_reduce")
    a.op = collective::all_reduce;
  else if (op == "all_gather")
    a.op = collective::all_gather;
  else
    throw std::invalid_argument("unknown collective " + op);
  a.bytes = std::stoull(argv[3]);
  a.rank = std::stoi(argv[4]);
  a.ranks = std::stoi(argv[5]);
  a.seed = std::stoull(argv[6]);
  a.iterations = std::stoi(argv[7]);
  a.parent = static_cast<pid_t>(std::stol(argv[8]));
  return a;
}

std::vector<double> measure(const rank_args& a) {
  const nccl_api api = load_nccl();
  int version = 0;
  GPUPARITY_NCCL_CHECK(api, get_version(&version));
  std::printf("%s %d\n", nccl_version_tag, version);
  GPUPARITY_CUDA_CHECK(cudaSetDevice(a.rank));
  char bus[32] = {};
  GPUPARITY_CUDA_CHECK(cudaDeviceGetPCIBusId(bus, sizeof bus, a.rank));
  bind_to_gpu_local_cpus(bus);  // each rank next to its own GPU, as the parent is to its
  ncclUniqueId id;
  if (a.rank == 0) {
    GPUPARITY_NCCL_CHECK(api, get_unique_id(&id));
    std::printf("%s %s\n", unique_id_tag, to_hex(&id, sizeof id).c_str());
    std::fflush(stdout);
  } else {
    id = read_unique_id();
  }
  const std::size_t count = send_count(a.op, a.bytes, a.ranks);
  const std::size_t out_count = a.op == collective::all_reduce ? count : count * a.ranks;
  std::vector<float> host(count);
  for (std::size_t i = 0; i < count; ++i) host[i] = rank_value(a.seed, a.rank, i);
  device_buffer send(count * sizeof(float)), recv(out_count * sizeof(float));
  stream st;
  GPUPARITY_CUDA_CHECK(
      cudaMemcpyAsync(send.get(), host.data(), send.bytes(), cudaMemcpyHostToDevice, st.get()));
  poison(recv.get(), recv.bytes(), st.get());
  nccl_comm comm(api, a.ranks, id, a.rank);
  run_collective(a.op, send, recv, count, comm, st.get());  // warm-up, checked before timing
  GPUPARITY_CUDA_CHECK(cudaStreamSynchronize(st.get()));
  check_output(a.op, recv, count, a.ranks, a.seed,
               std::max<std::size_t>(1, out_count / precheck_points), "in the warm-up");
  poison(recv.get(), recv.bytes(), st.get());
  // Every rank must run the same number of collectives, so the batch follows from the size
  // alone, never from a rank's own timing: about 10 ms or more of work per timed iteration.
  const int batch =
      static_cast<int>(std::clamp<std::size_t>((std::size_t{2} << 30) / a.bytes, 1, 1000));
  std::vector<double> samples;
  for (int it = 0; it < a.iterations; ++it) {
    event start, stop;
    start.record(st.get());
    for (int b = 0; b < batch; ++b) run_collective(a.op, send, recv, count, comm, st.get());
    stop.record(st.get());
    samples.push_back(elapsed_seconds(start, stop) / batch);
  }
  check_output(a.op, recv, count, a.ranks, a.seed, 1, "after the timed operations");
  return samples;
}

}  // namespace

int run_nccl_rank(int argc, char** argv) {
  rank_args a;
  try {
    a = parse_args(argc, argv);
  } catch (const std::exception& e) {
    std::printf("%s failed: %s\n", status_tag, e.what());
    return exit_usage;
  }
  // Dies with the process that spawned it: a killed parent leaves no rank waiting in NCCL.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != a.parent) return exit_failed;  // the parent was gone before prctl
  int code = exit_ok;
  try {
    const auto samples = measure(a);
    std::printf("%s", samples_tag);
    for (double s : samples) std::printf(" %.9g", s);
    std::printf("\n%s passed\n", status_tag);
  } catch (const gpu_error& e) {
    const case_status s = status_of(e.kind());
    std::printf("%s %s: %s\n", status_tag, case_status_name(s), e.what());
    code = s == case_status::incorrect   ? exit_incorrect
           : s == case_status::no_device ? exit_no_device
                                         : exit_failed;
  } catch (const std::exception& e) {
    std::printf("%s failed: %s\n", status_tag, e.what());
    code = exit_failed;
  }
  std::fflush(stdout);
  return code;
}

}  // namespace gpuparity
