// The audit's rules for work across GPUs (the peer/ and nccl/ cases of a node-wide run):
// the GPU set each side saw, the link each peer case crossed, the IPC namespace.
#include <set>
#include <sstream>

#include "audit_rules.hpp"

namespace gpuparity::harness::audit_rules {
namespace {

bool multi_gpu_name(const std::string& name) {
  return name.rfind("peer/", 0) == 0 || name.rfind("nccl/", 0) == 0;
}

std::set<std::string> uuid_set(const std::string& listed) {
  std::set<std::string> out;
  std::stringstream s(listed);
  for (std::string u; std::getline(s, u, ',');)
    if (!u.empty()) out.insert(u);
  return out;
}

std::string set_text(const std::set<std::string>& v, const std::string& count) {
  std::string s;
  for (const auto& u : v) s += (s.empty() ? "" : ", ") + u;
  if (s.empty()) s = "UUIDs not recorded";
  return (count.empty() ? std::string("?") : count) + " GPU(s): " + s;
}

// "link=nvlink" (or "...,link=nvlink,...") -> "nvlink"; "" when the label names no link.
std::string link_of(const std::string& label) {
  const auto at = label.find("link=");
  if (at == std::string::npos || (at > 0 && label[at - 1] != ',' && label[at - 1] != ' '))
    return "";
  const auto start = at + 5;
  return label.substr(start, label.find_first_of(", ", start) - start);
}

// The metrics to explain whose case is one of `cases` ("peer/bandwidth/0to1").
std::vector<std::string> of_cases(const degraded_metrics& d, const std::set<std::string>& cases) {
  std::vector<std::string> out;
  for (const auto& [name, cls] : d)
    if (cases.count(name.substr(0, name.find(':')))) out.push_back(name);
  return out;
}

std::vector<std::string> multi_gpu_metrics(const degraded_metrics& d) {
  std::vector<std::string> out;
  for (const auto& [name, cls] : d)
    if (multi_gpu_name(name)) out.push_back(name);
  return out;
}

bool ran_multi_gpu_cases(const side_view& s) {
  for (const auto& c : s.cases)
    if (multi_gpu_name(c)) return true;
  return false;
}

// A different set of GPUs on the two sides: the peer and collective cases then compare
// different hardware (or different numbers of ranks), so with such cases measured it is an
// error, never parity; otherwise it concerns no measured result and is listed.
void gpu_set_rule(const side_view& n, const side_view& c, const degraded_metrics& d,
                  findings& out) {
  const auto ns = uuid_set(get(n.context, "gpu_uuids")), cs = uuid_set(get(c.context, "gpu_uuids"));
  const std::string nd = get(n.context, "gpu_device_count"),
                    cd = get(c.context, "gpu_device_count");
  const bool sets_differ = !ns.empty() && !cs.empty() && ns != cs;
  const bool counts_differ = !nd.empty() && !cd.empty() && nd != cd;
  if (!sets_differ && !counts_differ) return;
  const std::string native = set_text(ns, nd), container = set_text(cs, cd);
  if (!ran_multi_gpu_cases(n) && !ran_multi_gpu_cases(c)) {
    out.other.push_back(
        {"GPUs visible (matters only to work across GPUs, not measured here)", native, container});
    return;
  }
  out.found.push_back(
      {"gpu_set_differs", "error",
       "the sides saw different sets of GPUs: the peer and collective cases compared different "
       "hardware",
       native, container,
       "give the container every GPU the native side has: docker --gpus all, podman --device "
       "nvidia.com/gpu=all, and no NVIDIA_VISIBLE_DEVICES or CUDA_VISIBLE_DEVICES subset in the "
       "image or the run",
       multi_gpu_metrics(d)});
}

// A peer case that crossed NVLink or PCIe peer-to-peer natively and went through host memory
// in the container: the container blocks P2P (its device nodes, its IPC namespace, or a
// visible-devices variable that splits the GPUs).
void peer_link_rule(const side_view& n, const side_view& c, const degraded_metrics& d,
                    findings& out) {
  std::set<std::string> lost;
  std::string native, container;
  for (const auto& [name, label] : n.labels) {
    if (name.rfind("peer/", 0) != 0) continue;
    const auto cl = c.labels.find(name);
    if (cl == c.labels.end()) continue;  // not measured there: the GPU set or a failure says why
    const std::string nl = link_of(label), ccl = link_of(cl->second);
    if (nl.empty() || nl == ccl) continue;
    lost.insert(name);
    native += (native.empty() ? "" : "; ") + name + " link=" + nl;
    container += (container.empty() ? "" : "; ") + name + " link=" + (ccl.empty() ? "?" : ccl);
  }
  if (lost.empty()) return;
  const auto explains = of_cases(d, lost);
  if (explains.empty()) {
    out.other.push_back({"peer links (no peer metric differed)", native, container});
    return;
  }
  out.found.push_back(
      {"peer_p2p_unavailable", "warning",
       "peer-to-peer between GPUs works natively but not in the container (its copies went "
       "another way)",
       native, container,
       "give the container every GPU's device node (docker --gpus all or --device /dev/nvidiaN "
       "for each GPU; podman --device nvidia.com/gpu=all), no NVIDIA_VISIBLE_DEVICES subset, and "
       "--ipc=host where GPUs are shared between processes",
       explains});
}

// A private IPC namespace: CUDA IPC handles and NCCL's cross-process buffers are not shared
// with processes outside it. It explains only failing or slower work across GPUs.
void ipc_namespace_rule(const side_view& n, const side_view& c, const degraded_metrics& d,
                        findings& out) {
  const std::string ni = get(n.context, "env_ipc_namespace"),
                    ci = get(c.context, "env_ipc_namespace");
  if (ci.empty() || ni == ci) return;
  const auto explains = multi_gpu_metrics(d);
  if (explains.empty()) {
    out.other.push_back({"IPC namespace (--ipc=host only for CUDA IPC across containers)", ni, ci});
    return;
  }
  out.found.push_back(
      {"private_ipc_namespace", "warning",
       "the container has an IPC namespace of its own: CUDA IPC between processes outside it "
       "is blocked",
       "IPC namespace " + ni, "IPC namespace " + ci,
       "pass --ipc=host (CUDA IPC memory handles and NCCL's shared buffers between processes "
       "need the host's IPC namespace when the processes are not all in this container)",
       explains});
}

}  // namespace

void multi_gpu_rules(const side_view& n, const side_view& c, const degraded_metrics& d,
                     findings& out) {
  gpu_set_rule(n, c, d, out);
  peer_link_rule(n, c, d, out);
  ipc_namespace_rule(n, c, d, out);
}

}  // namespace gpuparity::harness::audit_rules
