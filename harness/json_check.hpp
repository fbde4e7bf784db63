#pragma once
// Field-by-field checks of a JSON document read from disk. Every failure names the file,
// the field's path ("metrics[3].native.samples[0]") and what was found there, so a user
// can fix the document; nothing downstream ever meets a field of the wrong type.
#include <cmath>
#include <vector>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace gpuparity::harness {

// A document that cannot serve: unreadable, not JSON, of no known kind or version, or with
// a field absent, of the wrong type or out of range.
struct document_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The JSON types a field may have, combined with |. `number` is any finite number,
// `integer` a whole one (as JSON writes it, without a fraction).
enum json_type : unsigned {
  null_type = 1,
  bool_type = 2,
  integer_type = 4,
  number_type = 8,
  string_type = 16,
  array_type = 32,
  object_type = 64,
};

class json_check {
 public:
  using json = nlohmann::ordered_json;
  explicit json_check(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& path, const std::string& problem) const;

  // obj[key], at path.key: nullptr when optional and absent; an error when required and
  // absent, or present with a type not in `types`.
  const json* field(const json& obj, const std::string& path, const char* key, unsigned types,
                    bool required = true) const;
  // The value itself (path names it) against `types`.
  void type(const json& v, const std::string& path, unsigned types) const;

  const json& object(const json& obj, const std::string& path, const char* key) const;
  const json& array(const json& obj, const std::string& path, const char* key) const;
  std::string text(const json& obj, const std::string& path, const char* key) const;
  // A required string that is one of `allowed`.
  std::string one_of(const json& obj, const std::string& path, const char* key,
                     const std::vector<const char*>& allowed) const;
  // A number in [lo, hi] (lo excluded when `above`): e.g. positive(x) is (0, inf).
  double number(const json& obj, const std::string& path, const char* key, double lo, double hi,
                bool above = false, bool required = true) const;
  double positive(const json& obj, const std::string& path, const char* key) const {
    return number(obj, path, key, 0.0, HUGE_VAL, true);
  }
  long long integer(const json& obj, const std::string& path, const char* key, long long lo,
                    long long hi, bool required = true) const;
  // An array of strings (optional: absent is fine).
  void strings(const json& obj, const std::string& path, const char* key,
               bool required = true) const;
  // A non-empty array of finite numbers > 0: a metric's samples.
  void samples(const json& obj, const std::string& path, const char* key) const;

  static std::string at(const std::string& path, const char* key);
  static std::string at(const std::string& path, std::size_t index);

 private:
  std::string source_;
};

}  // namespace gpuparity::harness
