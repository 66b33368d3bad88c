import { ApiError, apiErrorFrom, detailLines } from '../../web/app/api/errors';

describe("the tenant app's API error mapping", () => {
  it("keeps the API's code, message and field details", () => {
    // Act
    const error = apiErrorFrom(400, { error: { code: 'ValidationError', message: 'The request is not valid', details: [{ field: 'seats', message: 'Too small' }] } });
    // Assess
    expect(error).toBeInstanceOf(ApiError);
    expect({ status: error.status, code: error.code, message: error.message }).toEqual({ status: 400, code: 'ValidationError', message: 'The request is not valid' });
    expect(detailLines(error)).toEqual(['seats: Too small']);
  });

  it('shows the message of a refusal word for word', () => {
    // Act
    const error = apiErrorFrom(403, { error: { code: 'Forbidden', message: 'Your role does not allow aircraft:write' } });
    // Assess
    expect(error.message).toBe('Your role does not allow aircraft:write');
    expect(error.code).toBe('Forbidden');
  });

  it.each([
    [502, '<html>Bad gateway</html>', 'InternalError'],
    [429, undefined, 'Throttled'],
    [401, { message: 'Unauthorized' }, 'Unauthorized'],
    [409, { error: { code: 7, message: 'Overlaps another reservation' } }, 'Conflict'],
  ])('names a %i answer without the contract body by its status', (status, body, code) => {
    // Act
    const error = apiErrorFrom(status, body);
    // Assess
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('ignores details that name no message', () => {
    // Act
    const error = apiErrorFrom(400, { error: { code: 'ValidationError', message: 'bad', details: ['x', { field: 'name' }, null] } });
    // Assess
    expect(detailLines(error)).toEqual([]);
  });
});
