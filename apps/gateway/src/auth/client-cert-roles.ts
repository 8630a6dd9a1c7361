import { isRole, Role, ROLES } from './roles';

/**
 * The client certificate roles file: `<CN> <role>` a line (`#` starts a comment). A CN may contain spaces:
 * the role is the last field, the CN everything before it.
 */
export function parseClientCertRoles(text: string): Map<string, Role> {
  const roles = new Map<string, Role>();
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const where = `line ${index + 1}`;
    const split = line.lastIndexOf(' ');
    const cn = split > 0 ? line.slice(0, split).trim() : '';
    const role = line.slice(split + 1);
    if (cn === '') problems.push(`${where}: needs <CN> <role>`);
    else if (!isRole(role)) problems.push(`${where}: the role must be one of ${ROLES.join(', ')}`);
    else if (roles.has(cn)) problems.push(`${where}: CN ${cn} is listed twice`);
    else roles.set(cn, role);
  });
  if (problems.length > 0) throw new Error(problems.join('; '));
  return roles;
}
