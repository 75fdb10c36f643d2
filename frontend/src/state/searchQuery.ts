// Search filters kept in the address (so a search can be bookmarked, shared and reloaded).
import type { ListFilters } from "../api/documents";

export interface SearchFilters {
  q: string;
  direction: "" | "incoming" | "outgoing";
  status: string;
  urgency: string;
  from: string;
  to: string;
}

export function emptySearch(): SearchFilters {
  return { q: "", direction: "", status: "all", urgency: "", from: "", to: "" };
}

type RouteQuery = Record<string, string | null | (string | null)[] | undefined>;

const first = (value: RouteQuery[string]): string => (Array.isArray(value) ? (value[0] ?? "") : (value ?? ""));

export function filtersFromQuery(query: RouteQuery): SearchFilters {
  const direction = first(query.direction);
  return {
    q: first(query.q),
    direction: direction === "incoming" || direction === "outgoing" ? direction : "",
    status: first(query.status) || "all",
    urgency: first(query.urgency),
    from: first(query.from),
    to: first(query.to),
  };
}

/** Only what differs from the defaults goes into the address. */
export function queryFromFilters(filters: SearchFilters): Record<string, string> {
  const out: Record<string, string> = {};
  const defaults = emptySearch();
  for (const key of Object.keys(filters) as (keyof SearchFilters)[]) {
    const value = filters[key].trim();
    if (value && value !== defaults[key]) out[key] = value;
  }
  return out;
}

/** The API's list filters: search covers every state the caller may see. */
export function listFilters(filters: SearchFilters): ListFilters {
  return {
    q: filters.q.trim() || undefined,
    direction: filters.direction || undefined,
    status: filters.status || "all",
    urgency: filters.urgency || undefined,
    from: filters.from || undefined,
    to: filters.to || undefined,
  };
}
