// pdf.js's worker (its largest part, ~370 kB gzipped), started on its own: the meeting room asks for it
// as the route resolves, so it downloads and compiles while the room joins, not after the PDF arrived.
import workerUrl from "pdfjs-dist/build/pdf.worker.min.mjs?url";

let worker: Worker | null = null;

/** The one worker every PDF preview shares (null where workers do not exist, as in unit tests). */
export function pdfWorker(): Worker | null {
  if (!worker && typeof Worker !== "undefined") worker = new Worker(workerUrl, { type: "module" });
  return worker;
}

export { workerUrl };
