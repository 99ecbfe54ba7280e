/** Tags as `{ key: value }`, from the `{ Key, Value }` lists most services return. */
export function tagMap(tags: readonly { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key) map[tag.Key] = tag.Value ?? '';
  return map;
}
