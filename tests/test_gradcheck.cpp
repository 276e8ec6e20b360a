// Every registered op case (tests/cases/*.cpp) through the float64 finite-difference check,
// and the coverage rule: every op that issue 2 lists has at least one case.
#include <catch2/catch.hpp>
#include <iostream>
#include <set>

#include "tests/support/op_case.h"

using namespace kdtest;

TEST_CASE("finite-difference gradient check of every op case", "[gradcheck]") {
  kd::set_alloc_poison(true);
  REQUIRE(!op_cases().empty());
  for (const OpCase& c : op_cases()) {
    INFO(c.name);
    std::string err;
    REQUIRE_NOTHROW(err = gradcheck(c));
    CHECK(err == "");
  }
  std::cout << "gradcheck: " << op_cases().size() << " op cases checked\n";
  kd::set_alloc_poison(false);
}

TEST_CASE("every listed op has a gradient-check case", "[gradcheck]") {
  std::set<std::string> covered;
  for (const OpCase& c : op_cases()) covered.insert(c.op);
  for (const std::string& op : required_ops()) {
    INFO("op without a case: " << op);
    CHECK(covered.count(op) == 1);
  }
}
