// Where the signer's visible signature goes: a rectangle dragged on a page shown by pdf.js, converted to
// PDF points (origin at the page's bottom-left), the shape the server checks and pyHanko draws into.
import type { SignaturePlacement } from "../api/documents";

/** The server's readable minimum (eoffice/signing/schemas.py MIN_PLACEMENT_SIZE), in points. */
export const MIN_PLACEMENT = { width: 100, height: 40 } as const;

/** What this needs of pdf.js's PageViewport: its two conversions between CSS pixels and PDF points. */
export interface PointConverter {
  convertToPdfPoint(x: number, y: number): number[];
  convertToViewportRectangle(rect: number[]): number[];
}

export interface ScreenPoint {
  x: number;
  y: number;
}

export interface ScreenBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

const round = (value: number) => Math.round(value * 10) / 10;

/** The rectangle between two points dragged on the page (CSS pixels from the canvas's top-left), in points. */
export function placementFromScreen(page: number, start: ScreenPoint, end: ScreenPoint, viewport: PointConverter): SignaturePlacement {
  const [x1, y1] = viewport.convertToPdfPoint(start.x, start.y);
  const [x2, y2] = viewport.convertToPdfPoint(end.x, end.y);
  return {
    page,
    x: round(Math.min(x1, x2)),
    y: round(Math.min(y1, y2)),
    width: round(Math.abs(x2 - x1)),
    height: round(Math.abs(y2 - y1)),
  };
}

/** Where a placement shows on the page drawn with this viewport (CSS pixels from the canvas's top-left). */
export function placementToScreen(placement: SignaturePlacement, viewport: PointConverter): ScreenBox {
  const [ax, ay, bx, by] = viewport.convertToViewportRectangle([
    placement.x,
    placement.y,
    placement.x + placement.width,
    placement.y + placement.height,
  ]);
  return { left: Math.min(ax, bx), top: Math.min(ay, by), width: Math.abs(bx - ax), height: Math.abs(by - ay) };
}

/** Moved (dx, dy) or resized (dw, dh) by points, as the arrow keys do; never below the minimum size. */
export function nudged(placement: SignaturePlacement, dx: number, dy: number, dw = 0, dh = 0): SignaturePlacement {
  return {
    ...placement,
    x: round(placement.x + dx),
    y: round(placement.y + dy),
    width: round(Math.max(MIN_PLACEMENT.width, placement.width + dw)),
    height: round(Math.max(MIN_PLACEMENT.height, placement.height + dh)),
  };
}

export function tooSmall(placement: SignaturePlacement): boolean {
  return placement.width < MIN_PLACEMENT.width || placement.height < MIN_PLACEMENT.height;
}

/** Where the server puts the signature when nothing is chosen and the signer's name is not found in the
 * text: the bottom right of the last page (eoffice/signing/pdf.py signer_placement), for a page box
 * [left, bottom, right, top]. Shown as a hint; the server may place it above the printed name instead. */
export function automaticPlacement(pages: number, view: number[]): SignaturePlacement {
  const mm = 72 / 25.4;
  const [width, height] = [65 * mm, 24 * mm];
  const right = view[2] - 20 * mm;
  return { page: pages, x: round(right - width), y: round(view[1] + 30 * mm), width: round(width), height: round(height) };
}
