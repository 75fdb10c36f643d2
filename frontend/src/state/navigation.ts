// Which screens each role reaches from the menu; the router's guards use the same table.
import type { Role } from "../api/accounts";
import type { MessageKey } from "../i18n";

export interface NavItem {
  name: string;
  path: string;
  label: MessageKey;
  /** Roles that see the entry; empty means everyone logged in. */
  roles: Role[];
}

export const NAV_ITEMS: NavItem[] = [
  { name: "home", path: "/", label: "nav.home", roles: [] },
  { name: "inbox", path: "/inbox", label: "nav.inbox", roles: ["leader"] },
  { name: "my-documents", path: "/my-documents", label: "nav.myDocuments", roles: ["specialist"] },
  { name: "register", path: "/documents/incoming/new", label: "nav.register", roles: ["clerk"] },
  { name: "pending", path: "/documents/pending", label: "nav.pending", roles: ["clerk"] },
  { name: "new-draft", path: "/documents/outgoing/new", label: "nav.newDraft", roles: ["specialist"] },
  { name: "search", path: "/documents", label: "nav.search", roles: [] },
  { name: "registers", path: "/documents/registers", label: "nav.registers", roles: ["clerk", "leader", "admin"] },
  { name: "case-files", path: "/records", label: "nav.caseFiles", roles: ["specialist", "clerk", "leader", "archivist"] },
  { name: "file-list", path: "/records/file-list", label: "nav.fileList", roles: ["clerk", "admin", "archivist"] },
  { name: "archive", path: "/records/archive", label: "nav.archive", roles: ["archivist", "clerk", "leader"] },
  { name: "meetings", path: "/meetings", label: "nav.meetings", roles: [] },
  { name: "certificates", path: "/admin/certificates", label: "nav.certificates", roles: ["admin"] },
  { name: "mailbox", path: "/admin/mailbox", label: "nav.mailbox", roles: ["admin"] },
  { name: "admin-devices", path: "/admin/devices", label: "nav.adminDevices", roles: ["admin"] },
  { name: "verify-signatures", path: "/signatures/verify", label: "nav.verifySignatures", roles: [] },
  { name: "devices", path: "/devices", label: "nav.devices", roles: [] },
];

export function navigationFor(roles: readonly Role[], items: NavItem[] = NAV_ITEMS): NavItem[] {
  return items.filter((item) => item.roles.length === 0 || item.roles.some((role) => roles.includes(role)));
}

export function mayOpen(roles: readonly Role[], allowed: readonly Role[] | undefined): boolean {
  return !allowed || allowed.length === 0 || allowed.some((role) => roles.includes(role));
}
