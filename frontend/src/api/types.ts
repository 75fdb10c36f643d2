// Shapes of the server's answers (see /api/v1/openapi.json).

export type Role = "admin" | "clerk" | "leader" | "specialist";

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
