// People, units and document types of the agency, fetched once per page load for the pickers; the
// agencies and another agency's people (a meeting's delegates) as they are first asked for.
import { documents } from "./api";
import type { Agency, DirectoryAgency, Person, Unit } from "./api/accounts";
import type { DocumentType } from "./api/documents";
import { session } from "./state/session";

let people: Promise<Person[]> | null = null;
let units: Promise<Unit[]> | null = null;
let types: Promise<DocumentType[]> | null = null;
let agencies: Promise<Agency[]> | null = null;
const elsewhere = new Map<string, Promise<Person[]>>();

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

// The people of any agency: the caller's own come from allPeople().
export function peopleOf(agencyId: string): Promise<Person[]> {
  if (agencyId === session.user?.agency_id) return allPeople();
  const known = elsewhere.get(agencyId);
  if (known) return known;
  return remembered(
    () => documents.people({ agency_id: agencyId }),
    (p) => (p ? elsewhere.set(agencyId, p) : elsewhere.delete(agencyId)),
  );
}

export function allAgencies(): Promise<Agency[]> {
  return agencies ?? remembered(() => documents.agencies(), (p) => (agencies = p));
}

// Not remembered: the directory of agencies is large, each search asks the server.
export function searchAgencies(q: string): Promise<DirectoryAgency[]> {
  return documents.searchAgencies(q);
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
