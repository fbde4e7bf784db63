#include "json_check.hpp"

#include <cmath>
#include <limits>

namespace gpuparity::harness {

using json = nlohmann::ordered_json;

namespace {

std::string type_name(const json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  return v.type_name();
}

// What was found, short enough for one line.
std::string found(const json& v) {
  if (v.is_null() || v.is_boolean()) return v.dump();
  std::string s = v.dump();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return type_name(v) + (v.is_object() || v.is_array() ? "" : " " + s);
}

std::string wanted(unsigned types) {
  std::string s;
  const std::pair<unsigned, const char*> names[] = {
      {string_type, "a string"},    {number_type, "a finite number"}, {integer_type, "an integer"},
      {bool_type, "true or false"}, {array_type, "an array"},         {object_type, "an object"},
      {null_type, "null"}};
  // Any finite number includes the integers.
  if (types & number_type) types &= ~static_cast<unsigned>(integer_type);
  for (const auto& [t, name] : names)
    if (types & t) s += (s.empty() ? "" : " or ") + std::string(name);
  return s;
}

bool has_type(const json& v, unsigned types) {
  if (v.is_null()) return types & null_type;
  if (v.is_boolean()) return types & bool_type;
  if (v.is_string()) return types & string_type;
  if (v.is_array()) return types & array_type;
  if (v.is_object()) return types & object_type;
  if (v.is_number_integer() && (types & integer_type)) return true;
  // A float that overflowed on parsing ("1e999") is infinite: never a usable number.
  return v.is_number() && (types & number_type) && std::isfinite(v.get<double>());
}

}  // namespace

void json_check::fail(const std::string& path, const std::string& problem) const {
  throw document_error(source_ + ": " + (path.empty() ? "the document" : path) + ": " + problem);
}

std::string json_check::at(const std::string& path, const char* key) {
  return path.empty() ? key : path + "." + key;
}

std::string json_check::at(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

void json_check::type(const json& v, const std::string& path, unsigned types) const {
  if (!has_type(v, types)) fail(path, "expected " + wanted(types) + ", found " + found(v));
}

const json* json_check::field(const json& obj, const std::string& path, const char* key,
                              unsigned types, bool required) const {
  if (!obj.is_object()) fail(path, "expected an object, found " + found(obj));
  const auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) fail(at(path, key), "missing (expected " + wanted(types) + ")");
    return nullptr;
  }
  type(*it, at(path, key), types);
  return &*it;
}

const json& json_check::object(const json& obj, const std::string& path, const char* key) const {
  return *field(obj, path, key, object_type);
}

const json& json_check::array(const json& obj, const std::string& path, const char* key) const {
  return *field(obj, path, key, array_type);
}

std::string json_check::text(const json& obj, const std::string& path, const char* key) const {
  return field(obj, path, key, string_type)->get<std::string>();
}

std::string json_check::one_of(const json& obj, const std::string& path, const char* key,
                               const std::vector<const char*>& allowed) const {
  const std::string v = text(obj, path, key);
  std::string list;
  for (const char* a : allowed) {
    if (v == a) return v;
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  fail(at(path, key), "\"" + v + "\" is not one of " + list);
}

double json_check::number(const json& obj, const std::string& path, const char* key, double lo,
                          double hi, bool above, bool required) const {
  const json* v = field(obj, path, key, number_type | integer_type, required);
  if (!v) return lo;
  const double d = v->get<double>();
  if (d < lo || (above && d == lo) || d > hi)
    fail(at(path, key),
         "expected a number " + std::string(above ? "above " : "of at least ") + json(lo).dump() +
             (hi < HUGE_VAL ? " and at most " + json(hi).dump() : "") + ", found " + v->dump());
  return d;
}

long long json_check::integer(const json& obj, const std::string& path, const char* key,
                              long long lo, long long hi, bool required) const {
  const json* v = field(obj, path, key, integer_type, required);
  if (!v) return lo;
  // An unsigned integer above what long long holds is out of any range asked for.
  const bool big = v->is_number_unsigned() &&
                   v->get<unsigned long long>() >
                       static_cast<unsigned long long>(std::numeric_limits<long long>::max());
  const long long i = big ? std::numeric_limits<long long>::max() : v->get<long long>();
  if (big || i < lo || i > hi)
    fail(at(path, key), "expected an integer from " + std::to_string(lo) + " to " +
                            std::to_string(hi) + ", found " + v->dump());
  return i;
}

void json_check::strings(const json& obj, const std::string& path, const char* key,
                         bool required) const {
  const json* a = field(obj, path, key, array_type, required);
  if (!a) return;
  for (std::size_t i = 0; i < a->size(); ++i) type((*a)[i], at(at(path, key), i), string_type);
}

void json_check::samples(const json& obj, const std::string& path, const char* key) const {
  const json& a = array(obj, path, key);
  const std::string p = at(path, key);
  if (a.empty()) fail(p, "no sample (a metric needs at least one)");
  for (std::size_t i = 0; i < a.size(); ++i) {
    type(a[i], at(p, i), number_type | integer_type);
    if (!(a[i].get<double>() > 0.0))
      fail(at(p, i), "a sample must be above 0, found " + a[i].dump());
  }
}

}  // namespace gpuparity::harness
