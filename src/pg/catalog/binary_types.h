// Binary or text COPY, per column. Binary is only used for types whose
// binary form means the same thing in every database: a positive list of
// built-in scalar types (and arrays of them, and domains over both). Every
// other type travels as text: user types (enums, composites, extension
// types) and arrays of domains carry per-database type OIDs, and the reg*
// types (regclass, regtype, ...) are raw OIDs in binary but names in text.
#pragma once

#include <string>
#include <vector>

namespace hk::pg::catalog {

/// One step of resolving a column's type: the column's own type first, then
/// each domain's base type ('d') and an array's element type ('a').
struct TypeStep {
  char via = 0;          ///< 0 for the column's own type, 'd' or 'a'.
  bool builtin = false;  ///< In pg_catalog with an OID below 16384.
  std::string name;      ///< pg_type.typname
};

/// True when the resolved type (domains over [an array of] a listed type;
/// no domain inside an array) has a position-independent binary form.
bool BinarySafe(const std::vector<TypeStep>& steps);

/// True when some step is a built-in reg* type: such a column must travel
/// as text even when binary is forced for tests.
bool TextRequired(const std::vector<TypeStep>& steps);

/// Whether a built-in type name is one of the OID-alias types (regclass, ...).
bool IsRegType(const std::string& builtin_name);

}  // namespace hk::pg::catalog
