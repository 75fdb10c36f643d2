// Reading a PDF by ranges through the API client (its token renewed as needed, the device named): pdf.js
// asks for the parts a page needs, so page 1 of a large book shows before the whole file has arrived.
import { errorFromResponse } from "./api/errors";

export type RangeReader = (start: number, end: number) => Promise<{ bytes: Uint8Array; total: number }>;

/** What pdf.js asks for at a time; the first read is one too (a linearised file's page 1 is in it). */
export const RANGE_CHUNK = 128 * 1024;

/** "bytes 0-99/1000" → 1000. */
export function totalOf(contentRange: string | null): number | null {
  const match = /\/(\d+)\s*$/.exec(contentRange ?? "");
  return match ? Number(match[1]) : null;
}

/** Bytes start..end (inclusive) of a download of the API; from a server that sends the whole file instead, all
 * of it from start on (pdf.js then holds the rest and asks no more). */
export function apiRangeReader(
  raw: (path: string, headers: Record<string, string>) => Promise<Response>,
  path: string,
): RangeReader {
  return async (start, end) => {
    const response = await raw(path, { Range: `bytes=${start}-${end}` });
    if (response.status !== 206 && response.status !== 200) throw await errorFromResponse(response);
    const body = new Uint8Array(await response.arrayBuffer());
    if (response.status === 200) return { bytes: body.subarray(start), total: body.length };
    const total = totalOf(response.headers.get("Content-Range"));
    if (total === null) throw new Error("a partial answer without Content-Range");
    return { bytes: body, total };
  };
}
