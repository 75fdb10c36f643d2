import { describe, expect, it } from "vitest";
import {
  automaticPlacement,
  nudged,
  placementFromScreen,
  placementToScreen,
  tooSmall,
  type PointConverter,
} from "../src/state/signaturePlacement";

/** pdf.js's PageViewport for a page box [x0, y0, x1, y1] at a scale, rotated 0 or 90 degrees: the same
 * transform matrix it builds (display_utils.js), and its conversions through it and its inverse. */
function viewport(view: number[], scale: number, rotation: 0 | 90 = 0): PointConverter {
  const [x0, y0, x1, y1] = view;
  const centerX = (x0 + x1) / 2;
  const centerY = (y0 + y1) / 2;
  const [a, b, c, d] = rotation === 0 ? [1, 0, 0, -1] : [0, 1, 1, 0];
  const width = (rotation === 0 ? x1 - x0 : y1 - y0) * scale;
  const height = (rotation === 0 ? y1 - y0 : x1 - x0) * scale;
  const m = [
    a * scale,
    b * scale,
    c * scale,
    d * scale,
    width / 2 - a * scale * centerX - c * scale * centerY,
    height / 2 - b * scale * centerX - d * scale * centerY,
  ];
  const apply = (x: number, y: number) => [x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5]];
  const inverse = (x: number, y: number) => {
    const det = m[0] * m[3] - m[1] * m[2];
    return [
      ((x - m[4]) * m[3] - (y - m[5]) * m[2]) / det,
      (-(x - m[4]) * m[1] + (y - m[5]) * m[0]) / det,
    ];
  };
  return {
    convertToPdfPoint: inverse,
    convertToViewportRectangle: ([ax, ay, bx, by]) => [...apply(ax, ay), ...apply(bx, by)],
  };
}

const A4 = [0, 0, 595, 842];

describe("signature placement", () => {
  it("turns a rectangle dragged downwards on screen into points from the page's bottom-left", () => {
    // At half scale, 100 px from the left and 50 px from the top is (200, 742) points.
    const placement = placementFromScreen(1, { x: 100, y: 50 }, { x: 190, y: 80 }, viewport(A4, 0.5));
    expect(placement).toEqual({ page: 1, x: 200, y: 682, width: 180, height: 60 });
  });

  it("gives the same rectangle whichever corner the drag starts from", () => {
    const converter = viewport(A4, 1.5);
    const down = placementFromScreen(2, { x: 30, y: 40 }, { x: 330, y: 160 }, converter);
    expect(placementFromScreen(2, { x: 330, y: 160 }, { x: 30, y: 40 }, converter)).toEqual(down);
    expect(placementFromScreen(2, { x: 30, y: 160 }, { x: 330, y: 40 }, converter)).toEqual(down);
  });

  it("counts from the crop box's origin and follows a rotated page", () => {
    const cropped = viewport([20, 30, 615, 872], 1);
    expect(placementFromScreen(1, { x: 0, y: 0 }, { x: 100, y: 40 }, cropped)).toEqual({
      page: 1, x: 20, y: 832, width: 100, height: 40,
    });
    // A page shown turned a quarter: screen x runs along the PDF's y axis.
    const turned = viewport(A4, 1, 90);
    expect(placementFromScreen(1, { x: 10, y: 20 }, { x: 70, y: 220 }, turned)).toEqual({
      page: 1, x: 20, y: 10, width: 200, height: 60,
    });
  });

  it("draws a placement back where it was dragged", () => {
    const converter = viewport(A4, 1.25);
    const placement = placementFromScreen(1, { x: 40, y: 60 }, { x: 290, y: 150 }, converter);
    const box = placementToScreen(placement, converter);
    expect(box.left).toBeCloseTo(40, 0);
    expect(box.top).toBeCloseTo(60, 0);
    expect(box.width).toBeCloseTo(250, 0);
    expect(box.height).toBeCloseTo(90, 0);
  });

  it("keeps the server's readable minimum when resizing and flags a smaller drag", () => {
    const placement = { page: 1, x: 100, y: 100, width: 105, height: 45 };
    expect(nudged(placement, 5, -5, -20, -20)).toEqual({ page: 1, x: 105, y: 95, width: 100, height: 40 });
    expect(tooSmall({ ...placement, width: 99 })).toBe(true);
    expect(tooSmall(placement)).toBe(false);
  });

  it("shows the automatic choice at the bottom right of the last page", () => {
    const automatic = automaticPlacement(3, A4);
    expect(automatic.page).toBe(3);
    expect(automatic.x + automatic.width).toBeCloseTo(595 - 56.7, 0);
    expect(automatic.y).toBeCloseTo(85, 0);
  });
});
