/** The knowledge base API: a close writes an entry; search finds it by any word; an edit keeps who and when. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorFor, authHeaders } from '../helpers.js';
import { consoleCollector, diskSample, type ConsoleFixture } from './fixture.js';

describe('knowledge base API', () => {
  let f: ConsoleFixture;
  let id: number;
  beforeAll(async () => {
    f = await consoleCollector();
    const now = Date.now();
    await f.ingest([diskSample('db-kb', 96, now - 2000)]);
    await f.ingest([diskSample('db-kb', 50, now - 1000)]);
    id = (await f.c.app.inject({ url: '/api/v1/incidents?device=db-kb', headers: authHeaders('viewer') })).json().incidents[0].id;
    const closed = await f.c.app.inject({
      method: 'POST',
      url: `/api/v1/incidents/${id}/close`,
      headers: authHeaders('operator'),
      payload: { cause: 'RMAN archive logs 100% of /u01', fix: 'moved archivelogs to NAS_2' },
    });
    expect(closed.statusCode).toBe(200);
  });
  afterAll(() => f?.close());

  it('finds the entry by words of its cause, fix, title or device, every word required; LIKE wildcards are literal', async () => {
    const search = async (q: string) => (await f.c.app.inject({ url: `/api/v1/kb?q=${encodeURIComponent(q)}`, headers: authHeaders('viewer') })).json().entries.map((e: any) => e.incidentId);
    expect(await search('rman')).toEqual([id]);
    expect(await search('nas_2 archivelogs')).toEqual([id]);
    expect(await search('db-kb')).toEqual([id]);
    expect(await search('rman tape')).toEqual([]);
    expect(await search('100%')).toEqual([id]);
    expect(await search('%')).toEqual([id]);
    expect(await search('_')).toEqual([id]); // NAS_2 has one
    expect(await search('nas%2')).toEqual([]);
    const [entry] = (await f.c.app.inject({ url: '/api/v1/kb', headers: authHeaders('viewer') })).json().entries;
    expect(entry).toMatchObject({ incidentId: id, device: 'db-kb', priority: 'P2', title: expect.stringContaining('db-kb disk'), editedBy: null });
  });

  it('edits an entry (cause and fix both needed), and the next incident of the rule shows the edited text', async () => {
    expect((await f.c.app.inject({ method: 'PUT', url: `/api/v1/kb/${id}`, headers: authHeaders('operator'), payload: { cause: ' ', fix: 'x' } })).statusCode).toBe(400);
    expect((await f.c.app.inject({ method: 'PUT', url: `/api/v1/kb/${id}`, headers: authHeaders('operator'), payload: { cause: 'a', fix: 'b', by: 'mallory' } })).statusCode).toBe(400);
    expect((await f.c.app.inject({ method: 'PUT', url: '/api/v1/kb/999999', headers: authHeaders('operator'), payload: { cause: 'a', fix: 'b' } })).statusCode).toBe(404);
    const edited = await f.c.app.inject({
      method: 'PUT',
      url: `/api/v1/kb/${id}`,
      headers: authHeaders('operator'),
      payload: { cause: 'archive logs filled /u01', fix: 'RMAN delete + archive to NAS' },
    });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ cause: 'archive logs filled /u01', editedBy: actorFor('operator'), editedAt: expect.any(Number) });
    // A viewer may read, not edit; the edit is in the audit log with what it replaced.
    expect((await f.c.app.inject({ method: 'PUT', url: `/api/v1/kb/${id}`, headers: authHeaders('viewer'), payload: { cause: 'a', fix: 'b' } })).statusCode).toBe(403);
    const audit = (await f.c.app.inject({ url: '/api/v1/audit?action=kb.edit', headers: authHeaders('admin') })).json().entries;
    expect(audit).toEqual([
      expect.objectContaining({
        actor: actorFor('operator'),
        action: 'kb.edit',
        target: `incident:${id}`,
        detail: expect.objectContaining({ before: expect.objectContaining({ cause: 'RMAN archive logs 100% of /u01' }) }),
      }),
    ]);
    await f.ingest([diskSample('db-kb', 97, Date.now())]);
    const next = (await f.c.app.inject({ url: '/api/v1/incidents?device=db-kb&status=open', headers: authHeaders('viewer') })).json().incidents[0];
    const detail = (await f.c.app.inject({ url: `/api/v1/incidents/${next.id}`, headers: authHeaders('viewer') })).json();
    expect(detail.known_fixes[0]).toMatchObject({ incidentId: id, cause: 'archive logs filled /u01' });
  });
});
