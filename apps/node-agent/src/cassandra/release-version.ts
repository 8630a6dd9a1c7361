/**
 * Cassandra's ReleaseVersion ("4.0.14", "4.1.7", "5.0.2", "5.0-rc1", "4.1-SNAPSHOT") reduced to what picks a
 * JMX signature: major and minor. Several operations changed shape between 4.0, 4.1 and 5.0.
 */
export interface ReleaseVersion {
  major: number;
  minor: number;
  /** the text the node reported */
  text: string;
}

export function parseReleaseVersion(text: string): ReleaseVersion {
  const match = /^(\d+)\.(\d+)/.exec(text.trim());
  if (!match) throw new Error(`cannot read Cassandra's ReleaseVersion "${text}"`);
  return { major: Number(match[1]), minor: Number(match[2]), text };
}

export function atLeast(version: ReleaseVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}
