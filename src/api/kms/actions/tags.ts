import type { ApiAction } from '../../service.ts';
import { keyIdOf, keyResource, pageOf, tagList, tagsOf } from '../input.ts';

export const tagResourceAction: ApiAction = {
  name: 'TagResource',
  resource: keyResource,
  async run(input, { app, caller }) {
    await app.keys.admin.tagResource(caller.accountId, keyIdOf(input), tagsOf(input));
    return undefined;
  },
};

export const untagResourceAction: ApiAction = {
  name: 'UntagResource',
  resource: keyResource,
  async run(input, { app, caller }) {
    await app.keys.admin.untagResource(caller.accountId, keyIdOf(input), input.stringList('TagKeys'));
    return undefined;
  },
};

export const listResourceTagsAction: ApiAction = {
  name: 'ListResourceTags',
  resource: keyResource,
  async run(input, { app, caller }) {
    const key = await app.keys.admin.resolve(caller.accountId, keyIdOf(input));
    const { page, out } = pageOf(input, tagList(key.tags), (tag) => tag.TagKey, 50);
    return { Tags: page, ...out };
  },
};
