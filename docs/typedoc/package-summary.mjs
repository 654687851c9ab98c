// TypeDoc plugin: a package converted from several entry points (e.g. `@sockserve/core` with
// `.` and `./remote`) gets no module comment from its sources, so the module list shows no
// description for it. This gives such a package its package.json `description`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Comment, Converter } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    if (project.comment) return;
    const dir = app.options.packageDir;
    if (!dir) return;
    const { description } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    if (description) project.comment = new Comment([{ kind: 'text', text: description }]);
  });
}
