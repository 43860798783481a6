/** The first admin every test hub starts with. */
export const adminEmail = 'admin@nhi.local';
export const adminPassword = 'e2e-admin-password';
