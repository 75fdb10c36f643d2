// The people, units and agencies as the server describes them (eoffice/accounts/schemas.py).

export type Role = "admin" | "clerk" | "leader" | "specialist" | "archivist";

export interface Me {
  id: number;
  username: string;
  full_name: string;
  email: string | null;
  agency_id: string;
  agency_name: string;
  unit_id: number | null;
  unit_name: string | null;
  roles: Role[];
  language: "vi" | "en";
  is_platform_admin: boolean;
}

export interface Person {
  id: number;
  full_name: string;
  agency_id: string;
  unit_id: number | null;
  unit_name: string | null;
  roles: Role[];
}

export interface Agency {
  id: string;
  name: string;
  abbreviation: string | null;
  parent_id: string | null;
}

/** An agency of the directory (GET /api/v1/directory/agencies): from the axis's list, or hosted here. */
export interface DirectoryAgency {
  id: string;
  name: string;
  parent_id: string | null;
  hosted: boolean;
}

export interface Unit {
  id: number;
  agency_id: string;
  name: string;
  abbreviation: string | null;
}
