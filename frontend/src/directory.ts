// People, units and document types of the agency, fetched once per page load for the pickers.
import { documents } from "./api";
import type { DocumentType, Person, Unit } from "./api/types";
import { session } from "./state/session";

let people: Promise<Person[]> | null = null;
let units: Promise<Unit[]> | null = null;
let types: Promise<DocumentType[]> | null = null;

function remembered<T>(get: () => Promise<T>, keep: (p: Promise<T> | null) => void): Promise<T> {
  const promise = get();
  keep(promise);
  // A failed fetch is not remembered: the next dialog tries again.
  promise.catch(() => keep(null));
  return promise;
}

export function allPeople(): Promise<Person[]> {
  return people ?? remembered(() => documents.people(), (p) => (people = p));
}

export function agencyUnits(): Promise<Unit[]> {
  return units ?? remembered(() => documents.units(session.user?.agency_id ?? ""), (p) => (units = p));
}

export function documentTypes(): Promise<DocumentType[]> {
  return types ?? remembered(() => documents.types(), (p) => (types = p));
}

export function personLabel(person: Person): string {
  return person.unit_name ? `${person.full_name} — ${person.unit_name}` : person.full_name;
}
