// The number of pages of a PDF the user picked, read in the browser by the bundled pdf.js (loaded on first
// use, with the worker the previews share), so that the form proposes it instead of asking for it.
import { pdfWorker, workerUrl } from "./pdfWorker";

/** Pages of the PDF, or null when it is not one pdf.js can open (damaged, encrypted, another type). */
export async function countPdfPages(file: Blob): Promise<number | null> {
  if (file.type && file.type !== "application/pdf") return null;
  try {
    const { GlobalWorkerOptions, getDocument } = await import("pdfjs-dist");
    GlobalWorkerOptions.workerSrc = workerUrl;
    const port = pdfWorker();
    if (port) GlobalWorkerOptions.workerPort = port;
    const task = getDocument({ data: new Uint8Array(await file.arrayBuffer()) });
    const pdf = await task.promise;
    const pages = pdf.numPages;
    await task.destroy();
    return pages;
  } catch {
    return null;
  }
}
